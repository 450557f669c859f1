import { Body, Controller, Get, Post } from '@nestjs/common';
import { defenseLevelSchema } from '@ringcad/contracts';
import { DefenseLevelsService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';

/** 等级化防控: graded defense levels per jurisdiction (null = city-wide). */
@Controller('api/v1/defense-levels')
export class DefenseLevelsController {
  constructor(private readonly levels: DefenseLevelsService) {}

  @Access({ scope: 'filtered' })
  @Get()
  current(@CurrentPrincipal() by: Principal) {
    return this.levels.current(by);
  }

  @Access({ roles: ['commander'], scope: 'jurisdiction:body' })
  @Post()
  set(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.levels.set(parseInput(defenseLevelSchema, body), by);
  }
}
