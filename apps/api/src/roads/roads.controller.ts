import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  importQuerySchema,
  isochroneQuerySchema,
  placeSearchQuerySchema,
  roadGeojsonQuerySchema,
  roadTileParamsSchema,
  routeQuerySchema,
} from '@ringcad/contracts';
import { z } from 'zod';
import {
  Clock,
  DomainError,
  IncidentsService,
  PlacesService,
  RoadNetworkService,
  RouteService,
  parseInput,
  type Principal,
} from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ROAD_NETWORK_UPLOAD_LIMIT, readRawBody } from './upload-body';
import { ApiRoute } from '../common/api-route';
import {
  isochroneCollectionSchema,
  placeSearchResultSchema,
  roadGeojsonSchema,
  roadNetworkSummarySchema,
  unitRouteSchema,
} from '@ringcad/contracts';
import { acceptsGzip } from '../common/accepts-gzip';

@Controller('api/v1')
export class RoadsController {
  constructor(
    private readonly roads: RoadNetworkService,
    private readonly routes: RouteService,
    private readonly incidents: IncidentsService,
    private readonly clock: Clock,
    private readonly places: PlacesService,
  ) {}

  @Access({ scope: 'none' })
  @Get('road-network')
  @ApiRoute({
    summary: 'The loaded road network',
    response: roadNetworkSummarySchema,
    errors: ['NOT_FOUND'],
  })
  summary() {
    const s = this.roads.summary();
    if (!s) throw new DomainError('NOT_FOUND', 'no road network is loaded');
    return s;
  }

  // terminals draw the same offline basemap (警务通)
  @Access({ terminal: true, scope: 'none' })
  @Get('road-network/geojson')
  @ApiRoute({
    summary: 'The road network as GeoJSON (one feature per street; ETag, gzip)',
    query: roadGeojsonQuerySchema,
    response: roadGeojsonSchema,
    raw: true,
    errors: ['NOT_FOUND'],
  })
  async geojson(@Query() query: unknown, @Req() req: Request, @Res() res: Response) {
    const s = this.roads.summary();
    if (!s) throw new DomainError('NOT_FOUND', 'no road network is loaded');
    const q = parseInput(roadGeojsonQuerySchema, query);
    const { etag, body, gzip } = await this.roads.geojsonCached(q.bbox ?? s.bbox, q.classes);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, max-age=300, must-revalidate');
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === etag) return res.status(304).end();
    res.type('application/json');
    // compressed once when cached; the compression middleware leaves an encoded body alone
    if (acceptsGzip(req)) res.setHeader('Content-Encoding', 'gzip').send(gzip);
    else res.send(body);
  }

  // the console's basemap: only the tiles in view, each simplified for its zoom
  @Access({ scope: 'none' })
  @Get('road-network/tiles/:z/:x/:y')
  @ApiRoute({
    summary:
      'The road network as Mapbox Vector Tiles (layer `roads`: class, name, minor; z0–14; ETag, gzip)',
    response: z.string(),
    mediaType: 'application/vnd.mapbox-vector-tile',
    raw: true,
    errors: ['NOT_FOUND'],
  })
  async tile(
    @Param('z') z: string,
    @Param('x') x: string,
    @Param('y') y: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    if (!this.roads.summary()) throw new DomainError('NOT_FOUND', 'no road network is loaded');
    const t = parseInput(roadTileParamsSchema, { z, x, y });
    const { etag, body, gzip } = await this.roads.roadTile(t.z, t.x, t.y);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, max-age=300, must-revalidate');
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === etag) return res.status(304).end();
    res.type('application/vnd.mapbox-vector-tile');
    if (body.length && acceptsGzip(req)) res.setHeader('Content-Encoding', 'gzip').send(gzip);
    else res.send(body);
  }

  /** Address search for the call-taker: street names of the road network and named places. */
  @Access({ scope: 'none' })
  @Get('places/search')
  @ApiRoute({
    summary: 'Address search: streets and named places',
    query: placeSearchQuerySchema,
    response: placeSearchResultSchema,
  })
  search(@Query() query: unknown) {
    const q = parseInput(placeSearchQuerySchema, query);
    return this.places.search(q.q, q.limit);
  }

  /** Replaces the road network with an uploaded file (raw body, application/octet-stream). */
  @Access({ roles: ['admin'], scope: 'city' })
  @Post('road-network')
  @ApiRoute({
    summary:
      'Replace the road network with an uploaded file; a malformed one is refused and the loaded network stays',
    query: importQuerySchema,
    rawBody: 'application/octet-stream',
    response: roadNetworkSummarySchema,
    errors: ['UNSUPPORTED_MEDIA_TYPE'],
  })
  async import(@Query() query: unknown, @Req() req: Request) {
    const { format } = parseInput(importQuerySchema, query);
    const hint = 'send the file as the request body with Content-Type: application/octet-stream';
    const type = req.is('application/octet-stream');
    if (type === false) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', hint);
    const body = type ? await readRawBody(req, ROAD_NETWORK_UPLOAD_LIMIT) : Buffer.alloc(0);
    if (body.length === 0) throw new DomainError('VALIDATION_FAILED', hint);
    return this.roads.importDraft(this.roads.parse(format, body), `upload.${format}`);
  }

  @Access({ scope: 'none' })
  @Get('isochrones')
  @ApiRoute({
    summary: 'Road isochrones (who can reach the point, or where it can get)',
    query: isochroneQuerySchema,
    response: isochroneCollectionSchema,
    raw: true,
  })
  async isochrones(@Query() query: unknown, @Req() req: Request, @Res() res: Response) {
    const q = parseInput(isochroneQuerySchema, query);
    // the answer comes serialised (and compressed) from the routing thread
    const gzip = acceptsGzip(req);
    const body = await this.roads.isochrones({ ...q, at: this.clock.now(), gzip });
    res.setHeader('Vary', 'Accept-Encoding');
    res.type('application/json');
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.send(body);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/route')
  @ApiRoute({
    summary: "A candidate unit's drawable route to the incident",
    query: routeQuerySchema,
    response: unitRouteSchema,
    errors: ['CONFLICT'],
  })
  async route(
    @Param('id', uuidParam) id: string,
    @Query() query: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const incident = await this.incidents.get(id, by);
    return this.routes.unitToPoint(parseInput(routeQuerySchema, query).unitId, incident.location);
  }
}
