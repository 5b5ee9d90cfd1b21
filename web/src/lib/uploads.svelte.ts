// Uploads from the file picker or a drop: one XHR per file (fetch cannot
// report upload progress), a few at a time, with per-file and total progress.
import { withShare } from './api';

export type UploadStatus = 'waiting' | 'uploading' | 'created' | 'duplicate' | 'failed';

export interface UploadItem {
  name: string;
  size: number;
  sent: number;
  status: UploadStatus;
  error?: string;
}

const PARALLEL = 3;

class Uploads {
  items = $state<UploadItem[]>([]);
  /** Bumped when a batch ends, so timelines reload. */
  finished = $state(0);
  private queue: { file: File; item: UploadItem }[] = [];
  private running = 0;

  get total() {
    return this.items.reduce((n, i) => n + i.size, 0);
  }
  get sent() {
    return this.items.reduce((n, i) => n + i.sent, 0);
  }
  get active() {
    return this.items.some((i) => i.status === 'waiting' || i.status === 'uploading');
  }
  count(status: UploadStatus) {
    return this.items.filter((i) => i.status === status).length;
  }

  add(files: Iterable<File>) {
    if (!this.active) this.items = [];
    for (const file of files) {
      this.items.push({ name: file.name, size: file.size, sent: 0, status: 'waiting' });
      this.queue.push({ file, item: this.items[this.items.length - 1] });
    }
    this.pump();
  }

  clear() {
    if (!this.active) this.items = [];
  }

  private pump() {
    while (this.running < PARALLEL && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running += 1;
      void this.send(next.file, next.item).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) this.finished += 1;
      });
    }
  }

  private send(file: File, item: UploadItem): Promise<void> {
    const form = new FormData();
    const modified = new Date(file.lastModified || Date.now()).toISOString();
    form.append('deviceAssetId', `web-${file.name}-${file.size}-${file.lastModified}`);
    form.append('deviceId', 'WEB');
    form.append('fileCreatedAt', modified);
    form.append('fileModifiedAt', modified);
    form.append('filename', file.name);
    form.append('assetData', file, file.name);
    item.status = 'uploading';
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      // A shared link's visitor uploads into the link with its key.
      xhr.open('POST', withShare('/api/assets'));
      xhr.setRequestHeader('accept', 'application/json');
      xhr.upload.onprogress = (e) => (item.sent = e.loaded);
      xhr.onload = () => {
        item.sent = item.size;
        try {
          const body = JSON.parse(xhr.responseText);
          if (xhr.status >= 200 && xhr.status < 300) item.status = body.status === 'duplicate' ? 'duplicate' : 'created';
          else ((item.status = 'failed'), (item.error = body.message ?? `HTTP ${xhr.status}`));
        } catch {
          item.status = 'failed';
          item.error = `HTTP ${xhr.status}`;
        }
        resolve();
      };
      xhr.onerror = () => {
        item.status = 'failed';
        item.error = 'network error';
        resolve();
      };
      xhr.send(form);
    });
  }
}

export const uploads = new Uploads();
