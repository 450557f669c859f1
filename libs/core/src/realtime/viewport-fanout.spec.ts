import { decodePositionFrame, type PackedFix } from '@ringcad/domain';
import {
  MAX_VIEWPORT_TILES,
  POSITION_TILE_DEG,
  ViewportFanout,
  viewportTiles,
} from './viewport-fanout';

const T0 = Date.parse('2026-12-06T08:00:00Z');
const fix = (num: number, lon: number, lat: number, s = 0): PackedFix => ({
  num,
  lon,
  lat,
  atMs: T0 + s * 1000,
});
/** The unit numbers of each frame a console was sent. */
function recorder() {
  const frames: number[][] = [];
  const send = (frame: ArrayBuffer) => {
    const nums: number[] = [];
    decodePositionFrame(frame, (num) => nums.push(num));
    frames.push(nums);
  };
  return { frames, send };
}

describe('viewportTiles', () => {
  it('covers the box with ≈2 km tiles and gives up (whole city) past the limit', () => {
    // a 6 km window around People's Square: a handful of tiles, each one counted once
    const tiles = viewportTiles([121.44, 31.2, 121.5, 31.26]);
    expect(tiles?.size).toBeGreaterThanOrEqual(9);
    expect(tiles?.size).toBeLessThanOrEqual(25);
    const side = Math.ceil(Math.sqrt(MAX_VIEWPORT_TILES)) + 2;
    expect(
      viewportTiles([121, 31, 121 + side * POSITION_TILE_DEG, 31 + side * POSITION_TILE_DEG]),
    ).toBeNull();
  });
});

describe('ViewportFanout', () => {
  const near = [121.46, 31.22] as const;
  const far = [121.6, 31.22] as const; // ≈ 13 km east
  const view = viewportTiles([121.44, 31.2, 121.5, 31.26]) as Set<number>;

  it('sends each console one frame a tick with only the units moving in its tiles', () => {
    const fan = new ViewportFanout();
    const a = recorder();
    const b = recorder();
    fan.watch('a', view, a.send);
    fan.watch(
      'b',
      viewportTiles([far[0] - 0.01, far[1] - 0.01, far[0] + 0.01, far[1] + 0.01]) as Set<number>,
      b.send,
    );
    const sent = fan.deliver([
      fix(1, ...near),
      fix(2, near[0] + 0.025, near[1] + 0.005), // another tile of the same window
      fix(3, ...far),
    ]);
    expect(sent).toBe(2);
    expect(a.frames).toEqual([[1, 2]]);
    expect(b.frames).toEqual([[3]]);
  });

  it('sends a unit that drove out of a window there once more (where it went), then no more', () => {
    const fan = new ViewportFanout();
    const a = recorder();
    fan.watch('a', view, a.send);
    fan.deliver([fix(1, ...near)]);
    fan.deliver([fix(1, ...far, 1)]); // left: its last tile was in view
    fan.deliver([fix(1, far[0] + 0.001, far[1], 2)]); // away: nothing for this window
    expect(a.frames).toEqual([[1], [1]]);
  });

  it('puts a unit moving between two tiles of one window in its frame once', () => {
    const fan = new ViewportFanout();
    const a = recorder();
    fan.watch('a', view, a.send);
    fan.deliver([fix(1, ...near)]);
    fan.deliver([fix(1, near[0] + 0.021, near[1], 1)]);
    expect(a.frames).toEqual([[1], [1]]);
  });

  it('stops sending to a console that is unwatched and follows one that moves its window', () => {
    const fan = new ViewportFanout();
    const a = recorder();
    const b = recorder();
    fan.watch('a', view, a.send);
    fan.watch('b', view, b.send);
    fan.unwatch('b');
    expect(fan.size).toBe(1);
    fan.watch(
      'a',
      viewportTiles([far[0] - 0.01, far[1] - 0.01, far[0] + 0.01, far[1] + 0.01]) as Set<number>,
      a.send,
    );
    fan.deliver([fix(1, ...near), fix(2, ...far)]);
    expect(a.frames).toEqual([[2]]);
    expect(b.frames).toEqual([]);
  });

  it('gives each frame every moved unit of its tiles however many consoles share them', () => {
    const fan = new ViewportFanout();
    const consoles = Array.from({ length: 50 }, () => recorder());
    consoles.forEach((c, i) => fan.watch(`c${i}`, view, c.send));
    const moved = Array.from({ length: 300 }, (_, i) =>
      fix(i + 1, 121.3 + (i % 30) * 0.01, 31.15 + Math.floor(i / 30) * 0.01),
    );
    fan.deliver(moved);
    const expected = moved
      .filter((m) => m.lon >= 121.44 && m.lon < 121.52 && m.lat >= 31.2 && m.lat < 31.28)
      .map((m) => m.num);
    expect(expected.length).toBeGreaterThan(10);
    for (const c of consoles) {
      expect(c.frames).toHaveLength(1);
      // a tile edge rounds outwards: every unit inside the box is there, none far outside it
      for (const n of expected.filter((n) => {
        const m = moved[n - 1];
        return m.lon <= 121.5 && m.lat <= 31.26;
      }))
        expect(c.frames[0]).toContain(n);
      for (const n of c.frames[0]) {
        const m = moved[n - 1];
        expect(m.lon).toBeGreaterThanOrEqual(121.44 - POSITION_TILE_DEG);
        expect(m.lon).toBeLessThan(121.5 + POSITION_TILE_DEG);
      }
      expect(new Set(c.frames[0]).size).toBe(c.frames[0].length);
    }
  });
});
