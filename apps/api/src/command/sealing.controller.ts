import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { sealingDispatchSchema, sealingQuerySchema } from '@ringcad/contracts';
import { IncidentsService, SealingService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

/** 封控 sealing rings (and the 5-10-30 encirclement tier) of an incident; units to checkpoints. */
@Controller('api/v1/incidents/:id/sealing')
export class SealingController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly sealing: SealingService,
  ) {}

  @Access({ scope: 'incident:param:id' })
  @Get()
  async get(@Param('id', uuidParam) id: string, @Query() query: unknown, @CurrentPrincipal() by: Principal) {
    const q = parseInput(sealingQuerySchema, query);
    await this.incidents.get(id, by); // 404 and jurisdiction scope
    return this.sealing.sealing(id, q.scheme, q.tiers);
  }

  @Access({ roles: ['dispatcher'], scope: ['incident:param:id', 'units:body'] })
  @Post('dispatch')
  dispatch(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.sealing.dispatchToCheckpoints(id, parseInput(sealingDispatchSchema, body), by);
  }
}
