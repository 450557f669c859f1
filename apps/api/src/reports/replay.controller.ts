import { Controller, Get, Param, Query } from '@nestjs/common';
import { areaReplayQuerySchema } from '@ringcad/contracts';
import { ReplayService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import { areaReplaySchema, incidentReplaySchema } from '@ringcad/contracts';

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
    query: areaReplayQuerySchema,
    response: areaReplaySchema,
  })
  area(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.replay.area(parseInput(areaReplayQuerySchema, query), by);
  }
}
