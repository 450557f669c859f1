import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import {
  exerciseViewSchema,
  safetyIndexQuerySchema,
  safetyIndexViewSchema,
  safetyIndexWeightsSchema,
  startExerciseSchema,
} from '@ringcad/contracts';
import {
  ExercisesService,
  parseInput,
  SafetyIndexService,
  safetyIndexCsv,
  type Principal,
} from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { uuidParam } from '../common/params';
import { wantsCsv } from '../reports/reports.controller';

/** 演练: a commander starts, stops and reads exercises (the simulator CLI calls the same routes). */
@Controller('api/v1/exercises')
export class ExercisesController {
  constructor(private readonly exercises: ExercisesService) {}

  @Access({ roles: ['commander', 'admin'], scope: 'jurisdiction:body' })
  @Post()
  @ApiRoute({
    summary: 'Start an exercise (演练): scripted or random incidents filed as exercise incidents',
    body: startExerciseSchema,
    response: exerciseViewSchema,
    errors: ['OUT_OF_SCOPE'],
  })
  start(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.exercises.start(parseInput(startExerciseSchema, body), by);
  }

  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'filtered' })
  @Get()
  @ApiRoute({
    summary: 'The latest exercises in scope (running first), each with its progress and score',
    response: z.array(exerciseViewSchema),
  })
  list(@CurrentPrincipal() by: Principal) {
    return this.exercises.list(by);
  }

  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'exercise:param:id' })
  @Get(':id')
  @ApiRoute({
    summary: "An exercise's progress and score: rings met per district, its incidents only",
    response: exerciseViewSchema,
  })
  get(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.exercises.get(id, by);
  }

  @Access({ roles: ['commander', 'admin'], scope: 'exercise:param:id' })
  @Post(':id/stop')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Stop an exercise: incidents not yet due are not filed',
    response: exerciseViewSchema,
    errors: ['OUT_OF_SCOPE', 'CONFLICT'],
  })
  stop(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.exercises.stop(id, by);
  }
}

/** 平安指数: the district safety index board. */
@Controller('api/v1/safety-index')
export class SafetyIndexController {
  constructor(private readonly index: SafetyIndexService) {}

  /** JSON, or CSV (UTF-8 with BOM) for `Accept: text/csv` or `format=csv`. */
  @Access({ roles: ['commander', 'admin'], scope: 'filtered' })
  @Get()
  @ApiRoute({
    summary:
      '平安指数: districts ranked for a week, each part weighted and explained (JSON or CSV)',
    query: safetyIndexQuerySchema,
    response: safetyIndexViewSchema,
    alternatives: ['text/csv'],
  })
  async get(
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @CurrentPrincipal() by: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const q = parseInput(safetyIndexQuerySchema, query);
    const view = await this.index.index(q, by);
    if (!wantsCsv(accept, q.format)) return view;
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="safety-index.csv"`);
    return safetyIndexCsv(view);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Put('weights')
  @ApiRoute({
    summary: '平安指数: set the weight of one or more parts (admin)',
    body: safetyIndexWeightsSchema,
    response: safetyIndexViewSchema,
  })
  setWeights(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.index.setWeights(parseInput(safetyIndexWeightsSchema, body), by);
  }
}
