import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  assignmentEventSchema,
  cancelIncidentSchema,
  closeIncidentSchema,
  createAssignmentsSchema,
  createIncidentSchema,
  listIncidentsQuerySchema,
  recommendationQuerySchema,
} from '@ringcad/contracts';
import {
  DispatchService,
  IncidentsService,
  RecommendationService,
  TimelineService,
  parseInput,
  type Principal,
} from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

@Controller('api/v1')
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly recommendations: RecommendationService,
    private readonly dispatch: DispatchService,
    private readonly timelines: TimelineService,
  ) {}

  @Access({ roles: ['calltaker', 'dispatcher'], scope: 'none' })
  @Post('incidents')
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.incidents.create(parseInput(createIncidentSchema, body), by);
  }

  @Access({ scope: 'filtered' })
  @Get('incidents')
  list(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.incidents.list(parseInput(listIncidentsQuerySchema, query), by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id')
  get(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.incidents.get(id, by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/recommendation')
  async recommendation(@Param('id', uuidParam) id: string, @Query() query: unknown, @CurrentPrincipal() by: Principal) {
    await this.incidents.get(id, by);
    return this.recommendations.recommend(id, parseInput(recommendationQuerySchema, query).scheme);
  }

  @Access({ roles: ['dispatcher'], scope: ['incident:param:id', 'units:body'] })
  @Post('incidents/:id/assignments')
  assign(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    const input = parseInput(createAssignmentsSchema, body);
    return this.dispatch.assign(id, input.unitIds, input.role, by);
  }

  @Access({ roles: ['dispatcher'], terminal: true, scope: 'assignment:param:id' })
  @Post('assignments/:id/events')
  @HttpCode(200)
  async event(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    const assignment = await this.dispatch.applyEvent(id, parseInput(assignmentEventSchema, body).type, by);
    return { assignment };
  }

  @Access({ roles: ['dispatcher'], scope: 'incident:param:id' })
  @Post('incidents/:id/close')
  @HttpCode(200)
  close(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.incidents.close(id, parseInput(closeIncidentSchema, body).disposition, by);
  }

  @Access({ roles: ['dispatcher'], scope: 'incident:param:id' })
  @Post('incidents/:id/cancel')
  @HttpCode(200)
  cancel(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.incidents.cancel(id, parseInput(cancelIncidentSchema, body).reason, by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/timeline')
  timeline(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.timelines.timeline(id, by);
  }
}
