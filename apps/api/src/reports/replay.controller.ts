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
import { sendJsonText } from '../common/send-json';

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
      'format=columnar answers the same points as delta-coded integer arrays per unit (epoch ms, 1e-6 degrees): a fraction of the bytes and of the time to print and parse.',
    query: areaReplayQuerySchema,
    response: z.union([areaReplaySchema, areaReplayColumnarSchema]),
    // the columnar form comes as JSON text (stored chunks joined), sent as it is
    raw: true,
  })
  async area(
    @Query() query: unknown,
    @CurrentPrincipal() by: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.replay.area(parseInput(areaReplayQuerySchema, query), by);
    if (typeof answer !== 'string') {
      res.json(answer);
      return;
    }
    // megabytes of digits, gzipped whatever their size (bench district-hour, 5.6 MB: level 1 ~30 ms
    // CPU and 206 kB, the middleware's level 6 ~35–55 ms and 101 kB, under load)
    await sendJsonText(req, res, answer, 0);
  }
}
