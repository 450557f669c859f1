import { Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { bulkImportQuerySchema, importResultSchema } from '@ringcad/contracts';
import { DomainError, ImportsService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { readRawBody } from '../roads/upload-body';

export const IMPORT_UPLOAD_PATH = '/api/v1/imports';
/** A city's districts with detailed boundaries, or tens of thousands of rows. */
export const IMPORT_UPLOAD_LIMIT = 64 * 1024 * 1024;
const RAW_TYPES = [
  'application/octet-stream',
  'application/zip',
  'application/geo+json',
  'application/json',
  'text/csv',
  'text/plain',
];

@Controller('api/v1')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  /** The file is the raw body, read only after the guard has let an admin through. */
  @Access({ roles: ['admin'], scope: 'city' })
  @Post('imports')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Bulk import (GeoJSON, zipped shapefile, CSV): a dry run plans create/update/refuse per row; an apply writes all rows or none',
    description:
      'The file is the request body (a zip is read as a shapefile, `{` as GeoJSON, anything else as CSV). `mapping` names, for each target field, the file field; `crs` is the coordinate system of the file. Any refused row makes an apply answer 422 IMPORT_REFUSED with the rows (details.rows) and write nothing.',
    query: bulkImportQuerySchema,
    rawBody: 'application/octet-stream',
    response: importResultSchema,
    errors: ['UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'IMPORT_REFUSED'],
  })
  async run(@Query() query: unknown, @Req() req: Request, @CurrentPrincipal() by: Principal) {
    const q = parseInput(bulkImportQuerySchema, query);
    const hint = `send the file as the request body (Content-Type: ${RAW_TYPES.join(', ')})`;
    if (req.is(RAW_TYPES) === false) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', hint);
    const body = await readRawBody(req, IMPORT_UPLOAD_LIMIT);
    if (body.length === 0) throw new DomainError('VALIDATION_FAILED', `the file is empty; ${hint}`);
    return this.imports.run(q, body, by);
  }
}
