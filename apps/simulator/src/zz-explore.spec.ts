import { generateCity, importGeoJsonRoads, buildRoadGraph, routeBetween, snapPoint } from '@ringcad/routing';
it('explore', () => {
  let t = Date.now();
  const c = generateCity({ seed: 110 });
  const t1 = Date.now() - t; t = Date.now();
  const g = buildRoadGraph(importGeoJsonRoads(c.roads));
  const t2 = Date.now() - t;
  console.log(JSON.stringify({ t1, t2, center: c.center, districts: c.districts.features.map(d => [d.properties, d.geometry.coordinates[0][0], d.geometry.coordinates[0][2]]),
    stations: c.stations.features.map(s => [s.properties, s.geometry.coordinates]),
    standby: c.standbyPoints.features.length, standby0: c.standbyPoints.features.slice(0,4),
    checkpoints: c.checkpoints.features.map(s => s.properties.name + ' ' + s.geometry.coordinates.join(',')),
    hotspots: c.hotspots.features.length, roads: c.roads.features.length, stats: g.stats }, null, 0));
  const a = c.standbyPoints.features[0].geometry.coordinates, b = c.standbyPoints.features[5].geometry.coordinates;
  t = Date.now();
  const r = routeBetween(g, {lon:a[0],lat:a[1]}, {lon:b[0],lat:b[1]});
  console.log(Date.now()-t, r?.method, r?.etaSec, r?.distanceM, r?.coordinates.length);
  t = Date.now();
  for (let i=0;i<100;i++) routeBetween(g, {lon:a[0],lat:a[1]}, {lon:b[0]+i*1e-4,lat:b[1]});
  console.log('100 routes ms', Date.now()-t, snapPoint(g, {lon:a[0],lat:a[1]}));
});
