import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { areaReplayQuerySchema } from '@ringcad/contracts';
import { ReplayService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import {
  areaReplayColumnarSchema,
  areaReplaySchema,
  incidentReplaySchema,
} from '@ringcad/contracts';
import { z } from 'zod';
import { sendBody, sendJsonText } from '../common/send-json';

@Controller('api/v1/replay')
export class ReplayController {
  constructor(private readonly replay: ReplayService) {}

  /** Timeline + stages + predicted vs actual travel + the rings as they were at dispatch. */
  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'incident:param:id' })
  @Get('incidents/:id')
  @ApiRoute({
    summary: 'Replay of an incident: stages, predicted beside actual ETAs, the rings at dispatch',
    response: incidentReplaySchema,
  })
  incident(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.replay.incident(id, by);
  }

  /** A district over a window: incidents, downsampled unit tracks and unit status changes. */
  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'district:query' })
  @Get('area')
  @ApiRoute({
    summary: "Replay of a district's window: incidents, downsampled tracks, status changes",
    description:
      'format=columnar answers the same points as delta-coded integer arrays per unit (epoch ms, 1e-6 degrees): a fraction of the bytes and of the time to print and parse. ' +
      "format=binary answers application/octet-stream: 'RPB1', a uint32 head length, the head (UTF-8 JSON: the columnar answer without the tracks, each unit with n, its number of points), then three sections of little-endian int32, every unit's n values in the head's order: ms since the head's from, longitude and latitude in 1e-6 degrees, each unit's first value absolute and the others differences (the console's form: decoded into typed arrays with no JSON to parse for the points).",
    query: areaReplayQuerySchema,
    response: z.union([areaReplaySchema, areaReplayColumnarSchema]),
    alternatives: ['application/octet-stream'],
    // the columnar form comes as JSON text (stored chunks joined), the binary one as bytes
    raw: true,
  })
  async area(
    @Query() query: unknown,
    @CurrentPrincipal() by: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.replay.area(parseInput(areaReplayQuerySchema, query), by);
    if (Buffer.isBuffer(answer)) {
      await sendBody(req, res, 'application/octet-stream', answer, 0);
      return;
    }
    if (typeof answer !== 'string') {
      res.json(answer);
      return;
    }
    // megabytes of digits, gzipped whatever their size (bench district-hour, 5.6 MB: level 1 ~30 ms
    // CPU and 206 kB, the middleware's level 6 ~35–55 ms and 101 kB, under load)
    await sendJsonText(req, res, answer, 0);
  }
}
