import { Controller, Get, Param, Query } from '@nestjs/common';
import { areaReplayQuerySchema } from '@ringcad/contracts';
import { ReplayService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

@Controller('api/v1/replay')
export class ReplayController {
  constructor(private readonly replay: ReplayService) {}

  /** Timeline + stages + predicted vs actual travel + the rings as they were at dispatch. */
  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'incident:param:id' })
  @Get('incidents/:id')
  incident(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.replay.incident(id, by);
  }

  /** A district over a window: incidents, downsampled unit tracks and unit status changes. */
  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'district:query' })
  @Get('area')
  area(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.replay.area(parseInput(areaReplayQuerySchema, query), by);
  }
}
