// Justified rows: the timeline's layout arithmetic, without a browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { justify, targetRowHeight } from '../src/lib/layout.ts';

const rowsOf = (boxes) => Object.values(Object.groupBy(boxes, (b) => b.top));
const right = (row) => row.at(-1).left + row.at(-1).width;

describe('justify', () => {
  it('fills every full row to the width and keeps each aspect ratio', () => {
    const ratios = [1.5, 0.66, 1, 1.78, 1.33, 0.75, 1.5, 2, 1, 1.2];
    const { boxes } = justify(ratios, 1000, 200, 4);
    const rows = rowsOf(boxes);
    assert.ok(rows.length > 1);
    for (const row of rows.slice(0, -1)) assert.ok(Math.abs(right(row) - 1000) < 0.01, `row ends at ${right(row)}`);
    boxes.forEach((b, i) => assert.ok(Math.abs(b.width / b.height - ratios[i]) < 1e-9));
  });

  it('does not stretch a short last row and stacks rows with the gap', () => {
    const { boxes, height } = justify([1, 1, 1, 1, 1, 1], 1000, 200, 4);
    const rows = rowsOf(boxes);
    const last = rows.at(-1);
    assert.equal(last[0].height, 200);
    assert.ok(right(last) < 1000);
    assert.equal(height, last[0].top + 200);
    assert.equal(rows[1][0].top, rows[0][0].height + 4);
  });

  it('puts everything on one row at the target height when the width is unbounded', () => {
    const { boxes, height } = justify([1, 2, 0.5], Infinity, 150, 4);
    assert.deepEqual(
      boxes.map((b) => [b.top, b.height]),
      [[0, 150], [0, 150], [0, 150]],
    );
    assert.equal(height, 150);
  });

  it('survives a missing or absurd ratio and an empty day', () => {
    const { boxes } = justify([0, Number.NaN, 500], 800, 200, 4);
    assert.ok(boxes.every((b) => b.width > 0 && b.width <= 800 * 8));
    assert.deepEqual(justify([], 800, 200, 4), { boxes: [], height: 0 });
  });

  it('aims lower on a phone', () => {
    assert.ok(targetRowHeight(390) < targetRowHeight(1280));
  });
});
