// The timeline's data: month buckets from /timeline/buckets, each month's
// assets fetched from /timeline/bucket only when it comes near the viewport,
// laid out as day groups of justified rows. Heights of months not yet loaded
// are estimated from their counts so the scroll height is right from the start.
import { AssetVisibility, getTimeBucket, getTimeBuckets } from '@immich/sdk';
import { justify, targetRowHeight, type Box } from './layout';

export interface TimelineFilter {
  visibility?: AssetVisibility;
  isFavorite?: boolean;
  isTrashed?: boolean;
  albumId?: string;
  personId?: string;
  /** A partner's timeline. */
  userId?: string;
  withPartners?: boolean;
}

export interface TimelineAsset {
  id: string;
  ratio: number;
  isImage: boolean;
  isFavorite: boolean;
  thumbhash: string | null;
  /** Local wall-clock time as a UTC Date (read it with getUTC*). */
  local: Date;
  durationMs: number | null;
}

export interface Placed {
  asset: TimelineAsset;
  box: Box;
}

export interface DayGroup {
  label: string;
  top: number;
  left: number;
  ids: string[];
}

/**
 * One month of the timeline. A class, not a plain object, so Svelte does not
 * wrap its assets in deep reactive proxies: a month's lists are replaced
 * whole ($state.raw), never edited in place — with 100,000 assets the
 * proxies cost more memory than the data.
 */
export class Month {
  top = $state(0);
  height = $state(0);
  assets = $state.raw<TimelineAsset[] | null>(null);
  placed = $state.raw<Placed[]>([]);
  days = $state.raw<DayGroup[]>([]);
  loading = $state(false);

  constructor(
    readonly key: string,
    readonly label: string,
    readonly count: number,
  ) {}
}

export const MONTH_HEADER = 52;
export const DAY_HEADER = 36;
export const GAP = 4;
const DAY_GAP = 12;
const DAY_TITLE_WIDTH = 150;

const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

export class TimelineModel {
  months = $state.raw<Month[]>([]);
  total = $state(0);
  loaded = $state(false);
  error = $state('');
  private width = 0;
  private generation = 0;
  /** The scroll range last asked for (ensureVisible), so a refresh can load the same months. */
  private inView: [number, number] = [0, 0];
  /**
   * The scroll position to keep steady when months above it change height
   * (a month's estimate replaced by its layout), and how to move it.
   */
  anchor: { scrollTop: () => number; shift: (by: number) => void } | null = null;

  constructor(private filter: TimelineFilter) {}

  async load() {
    const generation = ++this.generation;
    try {
      const buckets = await getTimeBuckets(this.filter);
      if (generation !== this.generation) return;
      this.months = buckets.map(
        (b) => new Month(b.timeBucket, monthFormat.format(new Date(b.timeBucket.slice(0, 10) + 'T00:00:00Z')), b.count),
      );
      this.total = buckets.reduce((n, b) => n + b.count, 0);
      this.error = '';
    } catch (error) {
      this.error = String(error);
    }
    this.loaded = true;
    this.relayout(this.width);
  }

  /** Lays every month out again for a new width. */
  relayout(width: number) {
    if (width <= 0) return;
    const sameWidth = width === this.width;
    this.width = width;
    const at = this.anchor?.scrollTop() ?? 0;
    let shift = 0;
    let top = 0;
    for (const month of this.months) {
      const before = month.top + month.height;
      month.top = top;
      const oldHeight = month.height;
      if (month.assets) this.layoutMonth(month);
      else month.height = this.estimate(month.count);
      // Wholly above what is on screen: its change would move the view.
      if (sameWidth && oldHeight > 0 && before <= at) shift += month.height - oldHeight;
      top += month.height;
    }
    if (shift !== 0) this.anchor?.shift(shift);
  }

  /** The month at a scroll position (the last one past the end). */
  monthAt(y: number): Month | undefined {
    let lo = 0;
    let hi = this.months.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.months[mid].top <= y) lo = mid;
      else hi = mid - 1;
    }
    return this.months[lo];
  }

  get height(): number {
    const last = this.months.at(-1);
    return last ? last.top + last.height : 0;
  }

  /** Fetches the months that overlap [from, to) of the scroll area. */
  ensureVisible(from: number, to: number) {
    this.inView = [from, to];
    for (const month of this.months) {
      if (month.top < to && month.top + month.height > from && !month.assets && !month.loading) {
        // A failed month stays a placeholder and is asked for again when next in view.
        this.fetchMonth(month).catch((error) => (this.error = String(error)));
      }
    }
  }

  async fetchMonth(month: Month): Promise<void> {
    if (month.assets || month.loading) return;
    month.loading = true;
    const generation = this.generation;
    try {
      const data = await getTimeBucket({ ...this.filter, timeBucket: month.key });
      if (generation !== this.generation) return;
      month.assets = data.id.map((id, i) => ({
        id,
        ratio: data.ratio[i],
        isImage: data.isImage[i],
        isFavorite: data.isFavorite[i],
        thumbhash: data.thumbhash[i],
        local: localTime(data.fileCreatedAt[i], data.localOffsetHours[i]),
        durationMs: data.duration[i] ?? null,
      }));
    } finally {
      month.loading = false;
    }
    this.relayout(this.width);
  }

  /**
   * Loads this (new) model as far as `previous` showed: its buckets, then the months that were
   * in view, so swapping it in redraws the same thumbnails in place instead of blanking the view
   * to placeholders while they load (which also moved what a click was aimed at).
   */
  async loadLike(previous: TimelineModel): Promise<void> {
    this.width = previous.width;
    await this.load();
    const [from, to] = previous.inView;
    const shown = new Set(
      previous.months.filter((m) => m.assets && m.top < to && m.top + m.height > from).map((m) => m.key),
    );
    await Promise.all(this.months.filter((m) => shown.has(m.key)).map((m) => this.fetchMonth(m)));
  }

  /** The asset before or after `id` in timeline order, loading a neighbouring month if needed. */
  async neighbour(id: string, step: 1 | -1): Promise<string | null> {
    const index = this.months.findIndex((m) => m.assets?.some((a) => a.id === id));
    if (index < 0) return null;
    const assets = this.months[index].assets!;
    const at = assets.findIndex((a) => a.id === id) + step;
    if (at >= 0 && at < assets.length) return assets[at].id;
    const next = this.months[index + step];
    if (!next) return null;
    await this.fetchMonth(next);
    const list = next.assets ?? [];
    return (step === 1 ? list[0] : list.at(-1))?.id ?? null;
  }

  /** Every loaded asset id in order, for range selection. */
  loadedIds(): string[] {
    return this.months.flatMap((m) => m.assets?.map((a) => a.id) ?? []);
  }

  private estimate(count: number): number {
    const target = targetRowHeight(this.width);
    const perRow = Math.max(1, Math.floor(this.width / (target * 1.4)));
    const rows = Math.ceil(count / perRow);
    const days = Math.min(count, Math.ceil(count / perRow / 2) + 1);
    return MONTH_HEADER + rows * (target + GAP) + days * (DAY_HEADER + DAY_GAP);
  }

  private layoutMonth(month: Month) {
    const target = targetRowHeight(this.width);
    const groups = new Map<string, TimelineAsset[]>();
    for (const asset of month.assets!) {
      const day = asset.local.toISOString().slice(0, 10);
      let list = groups.get(day);
      if (!list) groups.set(day, (list = []));
      list.push(asset);
    }
    const placed: Placed[] = [];
    const days: DayGroup[] = [];
    // Days that fit on one row at the target height share a line, side by
    // side; a longer day gets full-width justified rows of its own.
    let top = MONTH_HEADER;
    let x = 0;
    let lineHeight = 0;
    const newLine = () => {
      top += lineHeight;
      x = 0;
      lineHeight = 0;
    };
    for (const [, assets] of groups) {
      const ratios = assets.map((a) => a.ratio);
      const natural = justify(ratios, Infinity, target, GAP);
      // Room for the day's title even when it holds one narrow picture.
      const naturalWidth = Math.max(DAY_TITLE_WIDTH, natural.boxes.reduce((w, b) => Math.max(w, b.left + b.width), 0));
      let rows;
      let left;
      if (naturalWidth <= this.width) {
        if (x > 0 && x + naturalWidth > this.width) newLine();
        rows = natural;
        left = x;
        x += naturalWidth + DAY_GAP * 2;
      } else {
        if (x > 0) newLine();
        rows = justify(ratios, this.width, target, GAP);
        left = 0;
        x = this.width;
      }
      days.push({ label: dayFormat.format(assets[0].local), top, left, ids: assets.map((a) => a.id) });
      const rowsTop = top + DAY_HEADER;
      rows.boxes.forEach((box, i) =>
        placed.push({ asset: assets[i], box: { ...box, top: box.top + rowsTop, left: box.left + left } }),
      );
      lineHeight = Math.max(lineHeight, DAY_HEADER + rows.height + DAY_GAP);
    }
    newLine();
    month.placed = placed;
    month.days = days;
    month.height = top;
  }
}

function localTime(utc: string, offsetHours: number): Date {
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(utc) ? utc : utc + 'Z';
  return new Date(new Date(zoned).getTime() + offsetHours * 3_600_000);
}

export function formatDuration(ms: number | null): string {
  if (ms == null) return '';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
