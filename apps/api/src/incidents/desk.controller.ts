import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  addNoteSchema,
  attachCallSchema,
  createDispositionSchema,
  intakeContextQuerySchema,
  premiseInputSchema,
  mergeIncidentSchema,
  recallAssignmentSchema,
  updateIncidentSchema,
} from '@ringcad/contracts';
import { DeskService, PremisesService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';

/** The desk's lifecycle around an incident: correct, annotate, more calls, merge, recall, dispositions. */
@Controller('api/v1')
export class DeskController {
  constructor(
    private readonly desk: DeskService,
    private readonly premises: PremisesService,
  ) {}

  @Access({ roles: ['calltaker', 'dispatcher'] })
  @Get('intake/context')
  intakeContext(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.intakeContext(parseInput(intakeContextQuerySchema, query), by);
  }

  @Access({ roles: ['admin', 'dispatcher'] })
  @Post('premises')
  createPremise(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.premises.create(parseInput(premiseInputSchema, body), by);
  }

  @Access({ roles: ['admin', 'dispatcher', 'calltaker', 'commander'] })
  @Get('premises')
  listPremises() {
    return this.premises.list();
  }

  @Access({ roles: ['admin', 'dispatcher', 'calltaker', 'commander'] })
  @Get('premises/:id')
  getPremise(@Param('id', uuidParam) id: string) {
    return this.premises.get(id);
  }

  @Access({ roles: ['admin', 'dispatcher'] })
  @Put('premises/:id')
  updatePremise(@Param('id', uuidParam) id: string, @Body() body: unknown) {
    return this.premises.update(id, parseInput(premiseInputSchema, body));
  }

  @Access({ roles: ['admin', 'dispatcher'] })
  @Delete('premises/:id')
  @HttpCode(204)
  removePremise(@Param('id', uuidParam) id: string) {
    return this.premises.remove(id);
  }

  @Access({ roles: ['calltaker', 'dispatcher'] })
  @Patch('incidents/:id')
  update(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.update(id, parseInput(updateIncidentSchema, body), by);
  }

  @Access({ roles: ['calltaker', 'dispatcher', 'commander'], terminal: true })
  @Post('incidents/:id/notes')
  addNote(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.addNote(id, parseInput(addNoteSchema, body).text, by);
  }

  @Access({ roles: ['calltaker', 'dispatcher', 'commander'], terminal: true })
  @Get('incidents/:id/notes')
  async notes(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return { notes: await this.desk.listNotes(id, by) };
  }

  @Access({ roles: ['calltaker', 'dispatcher'] })
  @Post('incidents/:id/calls')
  attachCall(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.attachCall(id, parseInput(attachCallSchema, body), by);
  }

  @Access({ roles: ['calltaker', 'dispatcher', 'commander'] })
  @Get('incidents/:id/calls')
  async calls(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return { calls: await this.desk.listCalls(id, by) };
  }

  @Access({ roles: ['dispatcher'] })
  @Post('incidents/:id/merge')
  @HttpCode(200)
  merge(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.merge(id, parseInput(mergeIncidentSchema, body), by);
  }

  @Access({ roles: ['dispatcher'] })
  @Post('assignments/:id/cancel')
  @HttpCode(200)
  recall(@Param('id', uuidParam) id: string, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.recall(id, parseInput(recallAssignmentSchema, body).reason, by);
  }

  @Access({ terminal: true })
  @Get('dispositions')
  dispositions() {
    return this.desk.dispositions();
  }

  @Access({ roles: ['admin'] })
  @Post('dispositions')
  createDisposition(@Body() body: unknown) {
    return this.desk.createDisposition(parseInput(createDispositionSchema, body));
  }
}
