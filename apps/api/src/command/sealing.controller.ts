import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { sealingDispatchSchema, sealingQuerySchema } from '@ringcad/contracts';
import { IncidentsService, SealingService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import { sealingDispatchResultSchema, sealingViewSchema } from '@ringcad/contracts';

/** 封控 sealing rings (and the 5-10-30 encirclement tier) of an incident; units to checkpoints. */
@Controller('api/v1/incidents/:id/sealing')
export class SealingController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly sealing: SealingService,
  ) {}

  @Access({ scope: 'incident:param:id' })
  @Get()
  @ApiRoute({
    summary:
      'Sealing (封控) rings: where a fleeing vehicle can be per tier, the checkpoints and who can man them first',
    query: sealingQuerySchema,
    response: sealingViewSchema,
    errors: ['CONFLICT'],
  })
  async get(
    @Param('id', uuidParam) id: string,
    @Query() query: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const q = parseInput(sealingQuerySchema, query);
    await this.incidents.get(id, by); // 404 and jurisdiction scope
    return this.sealing.sealing(id, q.scheme, q.tiers);
  }

  @Access({ roles: ['dispatcher'], scope: ['incident:param:id', 'units:body'] })
  @Post('dispatch')
  @ApiRoute({
    summary: 'Send units to checkpoints (role checkpoint)',
    body: sealingDispatchSchema,
    response: sealingDispatchResultSchema,
    errors: ['UNIT_UNAVAILABLE', 'INCIDENT_CLOSED'],
  })
  dispatch(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.sealing.dispatchToCheckpoints(id, parseInput(sealingDispatchSchema, body), by);
  }
}
