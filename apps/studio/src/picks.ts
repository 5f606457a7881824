// Files a person hands the page: the photos of a dropped folder (with their paths), and a model.json picked
// together with its weight files. DOM only; nothing here decodes or runs a kernel.

/** Every file under a dropped folder entry, with its path. */
async function walk(entry: FileSystemEntry, prefix: string, out: { file: File; path: string }[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push({ file: await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)), path });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, path, out);
    }
  }
}

/** The files of a drop: folders walked; `oneFolder` when a single folder was dropped (its name comes first). */
export async function droppedFiles(ev: DragEvent): Promise<{ found: { file: File; path: string }[]; oneFolder: boolean }> {
  const items = [...(ev.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const found: { file: File; path: string }[] = [];
  for (const entry of items) await walk(entry, '', found);
  // one dropped folder reads like a picked one (its own name first); loose files read as the flat layout
  return { found, oneFolder: items.length === 1 && items[0].isDirectory };
}

/** model.json and its weight files, picked together: the weights concatenated in the manifest's order. */
export async function modelFiles(files: File[]): Promise<{ modelJson: string; weights: ArrayBuffer; name: string }> {
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length !== 1) throw new Error(jsons.length ? `pick one model.json, not ${jsons.length} .json files` : 'pick model.json together with its weights file (weights.bin)');
  const text = await jsons[0].text();
  let manifest: unknown;
  try {
    manifest = JSON.parse(text).weightsManifest;
  } catch (e) {
    throw new Error(`${jsons[0].name} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(manifest)) throw new Error(`${jsons[0].name} is not a model.json: it has no weightsManifest`);
  const paths = manifest.flatMap((g: { paths?: unknown }) => (Array.isArray(g?.paths) ? g.paths.map(String) : []));
  const byName = new Map(files.map((f) => [f.name, f]));
  const missing = paths.filter((p) => !byName.has(p.split('/').pop()!));
  if (missing.length) throw new Error(`${jsons[0].name} needs ${missing.join(', ')}: pick it together with model.json`);
  const parts = await Promise.all(paths.map((p) => byName.get(p.split('/').pop()!)!.arrayBuffer()));
  const weights = await new Blob(parts).arrayBuffer();
  return { modelJson: text, weights, name: jsons[0].name };
}
