import { Controller, Get, Header } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectPath } from '@ringcad/core';
import { Public } from './auth/access';

/** Serves the console page at `/`: the built console when present, else the minimal page. */
@Controller()
export class ConsolePageController {
  private page?: string;

  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  index() {
    this.page ??= readFileSync(this.pagePath(), 'utf8');
    return this.page;
  }

  private pagePath() {
    const built = join(findProjectPath('apps/console'), 'dist', 'index.html');
    return existsSync(built) ? built : join(findProjectPath('apps/console'), 'minimal', 'index.html');
  }
}
