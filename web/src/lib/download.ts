// Downloads of originals: one asset as its file, several as zip archives
// planned by /download/info (the server splits them by size) and fetched
// from /download/archive.
import { downloadArchive, getAssetInfo, getDownloadInfo } from '@immich/sdk';
import { originalUrl } from './api';

function save(href: string, name: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

/** Returns how many files were started. */
export async function downloadAssets(ids: string[], onprogress?: (done: number, total: number) => void): Promise<number> {
  if (ids.length === 1) {
    // The name the file had when uploaded, not the server's generic one.
    const { originalFileName } = await getAssetInfo({ id: ids[0] });
    save(originalUrl(ids[0]), originalFileName);
    return 1;
  }
  const { archives } = await getDownloadInfo({ downloadInfoDto: { assetIds: ids } });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  for (const [i, archive] of archives.entries()) {
    onprogress?.(i, archives.length);
    const blob = await downloadArchive({ downloadArchiveDto: { assetIds: archive.assetIds } });
    const url = URL.createObjectURL(blob);
    save(url, archives.length === 1 ? `shoebox-${stamp}.zip` : `shoebox-${stamp}-${i + 1}.zip`);
    // The click has handed the blob to the download; free it afterwards.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  onprogress?.(archives.length, archives.length);
  return archives.length;
}
