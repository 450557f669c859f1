import { Controller, Get, Header, Param, Res, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Response } from 'express';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DomainError } from '@ringcad/core';
import { Public } from '../auth/access';
import { ApiRoute } from '../common/api-route';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi';

const CONTRACT_VERSION = '1.0.0';

/** Files of swagger-ui-dist the page loads; nothing else of that folder is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// validatorUrl: null keeps the page from sending the document to the public online validator
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>RingCAD API</title>
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

/** The published contract: the OpenAPI document and a page to browse it, served with no CDN. */
@Controller('api')
export class OpenApiController {
  private document?: OpenApiDocument;
  private readonly assetDir = dirname(require.resolve('swagger-ui-dist/package.json'));

  constructor(private readonly discovery: DiscoveryService) {}

  @Public()
  @Get('openapi.json')
  @ApiRoute({
    summary: 'This contract as an OpenAPI 3.1 document',
    response: z.object({ openapi: z.literal('3.1.0') }).catchall(z.unknown()),
  })
  openapi() {
    // built on first request: every controller is registered by then, and the document never changes
    this.document ??= buildOpenApiDocument(
      this.discovery
        .getControllers()
        .map((w) => w.metatype)
        .filter((t): t is Type => typeof t === 'function'),
      CONTRACT_VERSION,
    );
    return this.document;
  }

  @Public()
  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiRoute({
    summary: 'A page to browse this contract (Swagger UI, served locally)',
    response: z.string(),
    mediaType: 'text/html',
  })
  page() {
    return PAGE;
  }

  @Public()
  @Get('docs/:asset')
  @ApiRoute({
    summary: 'Scripts and styles of the contract page',
    response: z.string(),
    mediaType: 'text/plain',
    raw: true,
    errors: ['NOT_FOUND'],
  })
  asset(@Param('asset') asset: string, @Res() res: Response) {
    if (asset === 'init.js') {
      res.type('text/javascript').send(INIT_JS);
      return;
    }
    const type = ASSETS[asset];
    if (!type) throw new DomainError('NOT_FOUND', `no such asset: ${asset}`);
    res.sendFile(join(this.assetDir, asset), { maxAge: '1d', headers: { 'Content-Type': type } });
  }
}
