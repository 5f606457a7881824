// sn.data: labelled image folders and the embedded synthetic face set.
export { listImageFolder, loadImageFolder } from './image-folder.js';
export type { ImageFolder, ImageFolderListing, LoadImageFolderOptions } from './image-folder.js';
export { syntheticFaces, facePhotos, LAB_LABELS } from './synthetic-faces.js';
export type { SyntheticFacesInfo, SyntheticFacesOptions, FacePhoto, FacePhotosOptions } from './synthetic-faces.js';
export { imageDataset, ImageDataset } from './image-dataset.js';
export type { ImageDatasetOptions } from './image-dataset.js';
