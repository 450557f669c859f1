import gcoord from 'gcoord';
import type { Crs } from '@ringcad/contracts';

/**
 * Input may come from Chinese map SDKs in GCJ-02 (AMap, Tencent) or BD-09 (Baidu); storage is
 * always WGS84. gcoord does the conversion (it leaves points outside China unchanged, as GCJ-02
 * itself does).
 */
export function toWgs84(p: { lon: number; lat: number; crs?: Crs }): { lon: number; lat: number } {
  if (!p.crs || p.crs === 'WGS84') return { lon: p.lon, lat: p.lat };
  const from = p.crs === 'GCJ02' ? gcoord.GCJ02 : gcoord.BD09;
  const [lon, lat] = gcoord.transform<[number, number]>([p.lon, p.lat], from, gcoord.WGS84);
  return { lon, lat };
}
