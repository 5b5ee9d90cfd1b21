// Justified rows: every row fills the width at (about) the target height,
// keeping each picture's aspect ratio; the last row is not stretched.

export interface Box {
  top: number;
  left: number;
  width: number;
  height: number;
}

export interface Justified {
  boxes: Box[];
  height: number;
}

export function justify(ratios: number[], width: number, target: number, gap: number): Justified {
  const boxes: Box[] = [];
  let top = 0;
  let start = 0;
  while (start < ratios.length) {
    let end = start;
    let sum = 0;
    // Grow the row until it would be at least as wide as the space at target height.
    while (end < ratios.length) {
      sum += safeRatio(ratios[end]);
      end += 1;
      if (sum * target + (end - start - 1) * gap >= width) break;
    }
    const gaps = (end - start - 1) * gap;
    const full = Number.isFinite(width) && sum * target + gaps >= width;
    // A full row shrinks to fit; a short last row keeps the target height.
    const height = full ? (width - gaps) / sum : target;
    let left = 0;
    for (let i = start; i < end; i++) {
      const w = safeRatio(ratios[i]) * height;
      boxes.push({ top, left, width: w, height });
      left += w + gap;
    }
    top += height + gap;
    start = end;
  }
  return { boxes, height: Math.max(0, top - gap) };
}

function safeRatio(ratio: number): number {
  return Number.isFinite(ratio) && ratio > 0.05 ? Math.min(ratio, 8) : 1;
}

/** Row height to aim for at a given width: smaller on phones. */
export function targetRowHeight(width: number): number {
  return width < 600 ? 110 : width < 1000 ? 170 : 220;
}
