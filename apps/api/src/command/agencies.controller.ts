import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { agencyRequestSchema } from '@ringcad/contracts';
import { AgenciesService, IncidentsService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import { agencyNotificationViewSchema } from '@ringcad/contracts';
import { z } from 'zod';

/** 联动: notify or transfer an incident to 119 / 120 / 122; delivery is tracked per request. */
@Controller('api/v1/incidents/:id/agencies')
export class AgenciesController {
  constructor(
    private readonly agencies: AgenciesService,
    private readonly incidents: IncidentsService,
  ) {}

  @Access({ roles: ['dispatcher', 'commander'], scope: 'incident:param:id' })
  @Post()
  @ApiRoute({
    summary: 'Notify or transfer to 119/120/122 (delivered by webhook with retries)',
    body: agencyRequestSchema,
    response: agencyNotificationViewSchema,
    errors: ['CONFLICT', 'INCIDENT_CLOSED'],
  })
  request(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.agencies.request(id, parseInput(agencyRequestSchema, body), by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get()
  @ApiRoute({
    summary: "The incident's agency notifications",
    response: z.array(agencyNotificationViewSchema),
  })
  async list(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    await this.incidents.get(id, by);
    return this.agencies.list(id);
  }
}
