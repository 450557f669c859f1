import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { planConfirmSchema, responsePlanSchema } from '@ringcad/contracts';
import { IncidentsService, PlansService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import {
  planConfirmResultSchema,
  planProposalResultSchema,
  responsePlanViewSchema,
} from '@ringcad/contracts';
import { z } from 'zod';

/** 预案 response plans (admin) and an incident's plan proposal (dispatcher confirms it). */
@Controller('api/v1')
export class PlansController {
  constructor(
    private readonly plans: PlansService,
    private readonly incidents: IncidentsService,
  ) {}

  @Access({ scope: 'none' })
  @Get('response-plans')
  @ApiRoute({ summary: 'Response plans (预案)', response: z.array(responsePlanViewSchema) })
  list() {
    return this.plans.list();
  }

  @Access({ scope: 'none' })
  @Get('response-plans/:id')
  @ApiRoute({ summary: 'One response plan', response: responsePlanViewSchema })
  get(@Param('id', uuidParam) id: string) {
    return this.plans.get(id);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('response-plans')
  @ApiRoute({
    summary: 'Create a response plan',
    body: responsePlanSchema,
    response: responsePlanViewSchema,
    errors: ['CONFLICT'],
  })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.plans.create(parseInput(responsePlanSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Put('response-plans/:id')
  @ApiRoute({
    summary: 'Replace a response plan',
    body: responsePlanSchema,
    response: responsePlanViewSchema,
    errors: ['CONFLICT'],
  })
  update(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.plans.update(id, parseInput(responsePlanSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('response-plans/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a response plan', response: null })
  remove(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.plans.remove(id, by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/plan')
  @ApiRoute({
    summary: "The plan's proposal for the incident (null when no plan applies)",
    response: planProposalResultSchema,
  })
  async proposal(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    await this.incidents.get(id, by);
    return { plan: await this.plans.propose(id) };
  }

  @Access({ roles: ['dispatcher'], scope: ['incident:param:id', 'units:body'] })
  @Post('incidents/:id/plan/confirm')
  @ApiRoute({
    summary: "Assign the plan's proposed units in one action",
    body: planConfirmSchema,
    response: planConfirmResultSchema,
    errors: ['CONFLICT', 'UNIT_UNAVAILABLE', 'INCIDENT_CLOSED'],
  })
  async confirm(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const input = parseInput(planConfirmSchema, body);
    await this.incidents.get(id, by);
    return this.plans.confirm(id, input.unitIds, by);
  }
}
