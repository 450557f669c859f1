import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
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
  parseIdempotencyKey,
  parseInput,
  type Principal,
} from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import {
  assignmentResultSchema,
  assignmentsResultSchema,
  createdIncidentSchema,
  incidentViewSchema,
  recommendationSchema,
  timelineSchema,
} from '@ringcad/contracts';
import { z } from 'zod';

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
  @ApiRoute({
    summary:
      'Create an incident from a call: its recommendation, plan proposal and possible duplicates come back',
    description:
      'Send an Idempotency-Key header to make retries safe: the same key and body answer the first 201 (with Idempotent-Replayed: true) and never file a second incident.',
    body: createIncidentSchema,
    response: createdIncidentSchema,
    errors: ['IDEMPOTENCY_KEY_REUSED'],
  })
  async create(
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
    @Headers('idempotency-key') idempotencyKey: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const key = parseIdempotencyKey(idempotencyKey);
    const { body: created, replayed } = await this.incidents.create(
      parseInput(createIncidentSchema, body),
      by,
      key,
    );
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return created;
  }

  @Access({ scope: 'filtered' })
  @Get('incidents')
  @ApiRoute({
    summary: 'Incidents, newest first',
    query: listIncidentsQuerySchema,
    response: z.array(incidentViewSchema),
  })
  list(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.incidents.list(parseInput(listIncidentsQuerySchema, query), by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id')
  @ApiRoute({ summary: 'One incident', response: incidentViewSchema })
  get(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.incidents.get(id, by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/recommendation')
  @ApiRoute({
    summary: 'Available units ranked by road ETA, with the ring tier each meets',
    query: recommendationQuerySchema,
    response: recommendationSchema,
  })
  async recommendation(
    @Param('id', uuidParam) id: string,
    @Query() query: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    await this.incidents.get(id, by);
    return this.recommendations.recommend(id, parseInput(recommendationQuerySchema, query).scheme);
  }

  @Access({ roles: ['dispatcher'], scope: ['incident:param:id', 'units:body'] })
  @Post('incidents/:id/assignments')
  @ApiRoute({
    summary: 'Assign units (all or nothing)',
    body: createAssignmentsSchema,
    response: assignmentsResultSchema,
    errors: ['UNIT_UNAVAILABLE', 'INCIDENT_CLOSED', 'CONFLICT'],
  })
  assign(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const input = parseInput(createAssignmentsSchema, body);
    return this.dispatch.assign(id, input.unitIds, input.role, by);
  }

  @Access({ roles: ['dispatcher'], terminal: true, scope: 'assignment:param:id' })
  @Post('assignments/:id/events')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Report ack / depart / arrive / clear / decline on an assignment (server time)',
    body: assignmentEventSchema,
    response: assignmentResultSchema,
    errors: ['ILLEGAL_TRANSITION'],
  })
  async event(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const { type, at, disposition, text, offline } = parseInput(assignmentEventSchema, body);
    const assignment = await this.dispatch.applyEvent(id, type, by, {
      deviceAt: at,
      disposition,
      text,
      offline,
    });
    return { assignment };
  }

  @Access({ roles: ['dispatcher'], scope: 'incident:param:id' })
  @Post('incidents/:id/close')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Close an incident once its units have cleared',
    body: closeIncidentSchema,
    response: incidentViewSchema,
    errors: ['INCIDENT_CLOSED', 'CONFLICT'],
  })
  close(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.incidents.close(id, parseInput(closeIncidentSchema, body), by);
  }

  @Access({ roles: ['dispatcher'], scope: 'incident:param:id' })
  @Post('incidents/:id/cancel')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Cancel an incident',
    body: cancelIncidentSchema,
    response: incidentViewSchema,
    errors: ['INCIDENT_CLOSED'],
  })
  cancel(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.incidents.cancel(id, parseInput(cancelIncidentSchema, body).reason, by);
  }

  @Access({ scope: 'incident:param:id' })
  @Get('incidents/:id/timeline')
  @ApiRoute({
    summary: 'Ordered events, assignments, tracks and metrics of an incident',
    response: timelineSchema,
  })
  timeline(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.timelines.timeline(id, by);
  }
}
