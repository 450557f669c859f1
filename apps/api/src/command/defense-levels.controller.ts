import { Body, Controller, Get, Post } from '@nestjs/common';
import { defenseLevelSchema } from '@ringcad/contracts';
import { DefenseLevelsService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { defenseLevelViewSchema } from '@ringcad/contracts';
import { z } from 'zod';

/** 等级化防控: graded defense levels per jurisdiction (null = city-wide). */
@Controller('api/v1/defense-levels')
export class DefenseLevelsController {
  constructor(private readonly levels: DefenseLevelsService) {}

  @Access({ scope: 'filtered' })
  @Get()
  @ApiRoute({
    summary: 'Graded defense level (等级化防控) in force per jurisdiction',
    response: z.array(defenseLevelViewSchema),
  })
  current(@CurrentPrincipal() by: Principal) {
    return this.levels.current(by);
  }

  @Access({ roles: ['commander'], scope: 'jurisdiction:body' })
  @Post()
  @ApiRoute({
    summary: 'Set the defense level of the city or a district',
    body: defenseLevelSchema,
    response: defenseLevelViewSchema,
    errors: ['NOT_FOUND'],
  })
  set(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.levels.set(parseInput(defenseLevelSchema, body), by);
  }
}
