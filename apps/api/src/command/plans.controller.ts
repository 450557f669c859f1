import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { planConfirmSchema, responsePlanSchema } from '@ringcad/contracts';
import { IncidentsService, PlansService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

/** 预案 response plans (admin) and an incident's plan proposal (dispatcher confirms it). */
@Controller('api/v1')
export class PlansController {
  constructor(
    private readonly plans: PlansService,
    private readonly incidents: IncidentsService,
  ) {}

  @Access({ scope: 'none' })
  @Get('response-plans')
  list() {
    return this.plans.list();
  }

  @Access({ scope: 'none' })
  @Get('response-plans/:id')
  get(@Param('id', uuidParam) id: string) {
    return this.plans.get(id);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('response-plans')
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.plans.create(parseInput(responsePlanSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Put('response-plans/:id')
  update(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.plans.update(id, parseInput(responsePlanSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('response-plans/:id')
  @HttpCode(204)
  remove(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.plans.remove(id, by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/plan')
  async proposal(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    await this.incidents.get(id, by);
    return { plan: await this.plans.propose(id) };
  }

  @Access({ roles: ['dispatcher'], scope: ['incident:param:id', 'units:body'] })
  @Post('incidents/:id/plan/confirm')
  async confirm(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    const input = parseInput(planConfirmSchema, body);
    await this.incidents.get(id, by);
    return this.plans.confirm(id, input.unitIds, by);
  }
}
