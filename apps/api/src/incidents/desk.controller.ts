import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  addNoteSchema,
  attachCallSchema,
  createDispositionSchema,
  dispositionCodeSchema,
  updateDispositionSchema,
  intakeContextQuerySchema,
  premiseInputSchema,
  mergeIncidentSchema,
  recallAssignmentSchema,
  updateIncidentSchema,
  callResultSchema,
  callsResultSchema,
  dispositionViewSchema,
  incidentUpdateResultSchema,
  intakeContextSchema,
  mergeResultSchema,
  noteResultSchema,
  notesResultSchema,
  premiseViewSchema,
  recallResultSchema,
} from '@ringcad/contracts';
import { z } from 'zod';
import { ApiRoute } from '../common/api-route';
import { DeskService, PremisesService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { schemaParam, uuidParam } from '../common/params';

const dispositionCodeParam = schemaParam(dispositionCodeSchema);

/** The desk's lifecycle around an incident: correct, annotate, more calls, merge, recall, dispositions. */
@Controller('api/v1')
export class DeskController {
  constructor(
    private readonly desk: DeskService,
    private readonly premises: PremisesService,
  ) {}

  @Access({ roles: ['calltaker', 'dispatcher'], scope: 'filtered' })
  @Get('intake/context')
  @ApiRoute({
    summary:
      "接警前研判: the place's history, the caller's earlier calls, open incidents nearby and premise flags",
    query: intakeContextQuerySchema,
    response: intakeContextSchema,
  })
  intakeContext(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.intakeContext(parseInput(intakeContextQuerySchema, query), by);
  }

  @Access({ roles: ['admin', 'dispatcher'], scope: 'none' })
  @Post('premises')
  @ApiRoute({
    summary: 'Flag a premise (a point or an area) with a caution level',
    body: premiseInputSchema,
    response: premiseViewSchema,
  })
  createPremise(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.premises.create(parseInput(premiseInputSchema, body), by);
  }

  @Access({ roles: ['admin', 'dispatcher', 'calltaker', 'commander'], scope: 'none' })
  @Get('premises')
  @ApiRoute({ summary: 'Premise flags, most severe first', response: z.array(premiseViewSchema) })
  listPremises() {
    return this.premises.list();
  }

  @Access({ roles: ['admin', 'dispatcher', 'calltaker', 'commander'], scope: 'none' })
  @Get('premises/:id')
  @ApiRoute({ summary: 'One premise flag', response: premiseViewSchema })
  getPremise(@Param('id', uuidParam) id: string) {
    return this.premises.get(id);
  }

  @Access({ roles: ['admin', 'dispatcher'], scope: 'none' })
  @Put('premises/:id')
  @ApiRoute({
    summary: 'Replace a premise flag',
    body: premiseInputSchema,
    response: premiseViewSchema,
  })
  updatePremise(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.premises.update(id, parseInput(premiseInputSchema, body), by);
  }

  @Access({ roles: ['admin', 'dispatcher'], scope: 'none' })
  @Delete('premises/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Remove a premise flag', response: null })
  removePremise(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.premises.remove(id, by);
  }

  @Access({ roles: ['calltaker', 'dispatcher'], scope: 'incident:param:id' })
  @Patch('incidents/:id')
  @ApiRoute({
    summary:
      '更正: correct an incident; jurisdiction, scheme, tier timers and the recommendation follow',
    body: updateIncidentSchema,
    response: incidentUpdateResultSchema,
    errors: ['STALE_VERSION', 'INCIDENT_CLOSED', 'OUT_OF_SCOPE'],
  })
  update(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.update(id, parseInput(updateIncidentSchema, body), by);
  }

  @Access({
    roles: ['calltaker', 'dispatcher', 'commander'],
    terminal: true,
    scope: 'incident:param:id',
  })
  @Post('incidents/:id/notes')
  @ApiRoute({
    summary:
      '备注: add to the running log (pushed as incident.note to consoles and the units working it)',
    body: addNoteSchema,
    response: noteResultSchema,
    errors: ['CONFLICT', 'OUT_OF_SCOPE'],
  })
  addNote(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.addNote(id, parseInput(addNoteSchema, body).text, by);
  }

  @Access({
    roles: ['calltaker', 'dispatcher', 'commander'],
    terminal: true,
    scope: 'incident:param:id',
  })
  @Get('incidents/:id/notes')
  @ApiRoute({
    summary: 'The running log, with the notes of duplicates merged into it',
    response: notesResultSchema,
  })
  async notes(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return { notes: await this.desk.listNotes(id, by) };
  }

  @Access({ roles: ['calltaker', 'dispatcher'], scope: 'incident:param:id' })
  @Post('incidents/:id/calls')
  @ApiRoute({
    summary: 'Attach another call to an open incident',
    body: attachCallSchema,
    response: callResultSchema,
    errors: ['INCIDENT_CLOSED', 'OUT_OF_SCOPE'],
  })
  attachCall(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.attachCall(id, parseInput(attachCallSchema, body), by);
  }

  @Access({ roles: ['calltaker', 'dispatcher', 'commander'], scope: 'incident:param:id' })
  @Get('incidents/:id/calls')
  @ApiRoute({
    summary: 'Every call about the incident, those of merged duplicates too',
    response: callsResultSchema,
  })
  async calls(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return { calls: await this.desk.listCalls(id, by) };
  }

  @Access({ roles: ['dispatcher'], scope: 'incident:param:id' })
  @Post('incidents/:id/merge')
  @HttpCode(200)
  @ApiRoute({
    summary:
      '并案: fold a duplicate into its master (calls, notes, events kept; units handed over or released)',
    body: mergeIncidentSchema,
    response: mergeResultSchema,
    errors: ['CONFLICT', 'INCIDENT_CLOSED', 'OUT_OF_SCOPE'],
  })
  merge(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.merge(id, parseInput(mergeIncidentSchema, body), by);
  }

  @Access({ roles: ['dispatcher'], scope: 'assignment:param:id' })
  @Post('assignments/:id/cancel')
  @HttpCode(200)
  @ApiRoute({
    summary: '撤回: recall a unit; its terminal gets task.cancelled',
    body: recallAssignmentSchema,
    response: recallResultSchema,
    errors: ['ILLEGAL_TRANSITION', 'OUT_OF_SCOPE'],
  })
  recall(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.recall(id, parseInput(recallAssignmentSchema, body).reason, by);
  }

  @Access({ terminal: true, scope: 'none' })
  @Get('dispositions')
  @ApiRoute({
    summary: '警情处理结果: the disposition codes an incident closes with',
    response: z.array(dispositionViewSchema),
  })
  dispositions() {
    return this.desk.dispositions();
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('dispositions')
  @ApiRoute({
    summary: 'Add a disposition code',
    body: createDispositionSchema,
    response: dispositionViewSchema,
    errors: ['CONFLICT'],
  })
  createDisposition(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.desk.createDisposition(parseInput(createDispositionSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Patch('dispositions/:code')
  @ApiRoute({
    summary: 'Relabel, re-sort or disable a disposition code (built-ins too)',
    body: updateDispositionSchema,
    response: dispositionViewSchema,
  })
  updateDisposition(
    @Param('code', dispositionCodeParam) code: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.updateDisposition(code, parseInput(updateDispositionSchema, body), by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Delete('dispositions/:code')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Delete an added disposition code no incident was closed with',
    response: null,
    errors: ['BUILTIN', 'IN_USE'],
  })
  deleteDisposition(
    @Param('code', dispositionCodeParam) code: string,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.desk.deleteDisposition(code, by);
  }
}
