import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { laggardsQuerySchema, responseTimesQuerySchema } from '@ringcad/contracts';
import {
  EidoService,
  ReportsService,
  parseInput,
  responseTimesCsv,
  type Principal,
} from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { uuidParam } from '../common/params';
import { ApiRoute } from '../common/api-route';
import { sendJson } from '../common/send-json';
import { eidoSchema, laggardsReportSchema, responseTimesReportSchema } from '@ringcad/contracts';

export const wantsCsv = (accept: string | undefined, format: string | undefined) =>
  format === 'csv' || (format === undefined && /\btext\/csv\b/i.test(accept ?? ''));

@Controller('api/v1')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly eido: EidoService,
  ) {}

  /** JSON, or the same as CSV for `Accept: text/csv` (or `format=csv`). */
  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'filtered' })
  @Get('reports/response-times')
  @ApiRoute({
    summary: 'Response times by group: percentiles, ring tiers met, bulletin buckets (JSON or CSV)',
    query: responseTimesQuerySchema,
    response: responseTimesReportSchema,
    alternatives: ['text/csv'],
    // the JSON answer is sent here (sendJson: a per-unit report is megabytes)
    raw: true,
  })
  async responseTimes(
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @CurrentPrincipal() by: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseInput(responseTimesQuerySchema, query);
    const report = await this.reports.responseTimes(q, by);
    if (!wantsCsv(accept, q.format)) return sendJson(req, res, report);
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="response-times-${q.groupBy}.csv"`);
    res.send(responseTimesCsv(report));
  }

  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'filtered' })
  @Get('reports/laggards')
  @ApiRoute({
    summary: 'Slowest units and stations to acknowledge and arrive',
    query: laggardsQuerySchema,
    response: laggardsReportSchema,
  })
  laggards(@Query() query: unknown, @CurrentPrincipal() by: Principal) {
    return this.reports.laggards(parseInput(laggardsQuerySchema, query), by);
  }

  /** One incident as EIDO-inspired JSON (NENA component structure, not schema-validated). */
  @Access({ roles: ['commander', 'dispatcher', 'admin'], scope: 'incident:param:id' })
  @Get('incidents/:id/eido')
  @ApiRoute({ summary: 'The incident as an EIDO-inspired JSON export', response: eidoSchema })
  incidentEido(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.eido.incident(id, by);
  }
}
