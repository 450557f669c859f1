import { Controller, Get, Header } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectPath } from '@ringcad/core';
import { Public } from '../auth/access';
import { ApiRoute } from '../common/api-route';
import { z } from 'zod';

/** Serves the console page at `/`: the built console when present, else the minimal page. */
@Controller()
export class ConsolePageController {
  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @ApiRoute({
    summary: 'The command console (HTML page)',
    response: z.string(),
    mediaType: 'text/html',
  })
  index() {
    // read each time: a rebuilt console changes its asset names (the file is small)
    return readFileSync(this.pagePath(), 'utf8');
  }

  private pagePath() {
    const built = join(findProjectPath('apps/console'), 'dist', 'index.html');
    return existsSync(built)
      ? built
      : join(findProjectPath('apps/console'), 'minimal', 'index.html');
  }
}
