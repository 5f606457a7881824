// The lab's 16 people, in the order the lab maps them to class ids 0..15.
export const LAB_LABELS = ['A', 'C', 'D', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'P', 'R', 'S', 'T', 'V'];
