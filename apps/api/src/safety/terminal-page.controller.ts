import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectPath } from '@ringcad/core';
import { z } from 'zod';
import { Public } from '../auth/access';
import { ApiRoute } from '../common/api-route';

/** Where the built 警务通 terminal app lives (`vite build apps/terminal`); its assets are served under /m. */
export const terminalDist = () => join(findProjectPath('apps'), 'terminal', 'dist');

/** Serves the 警务通 terminal (mobile PWA) at `/m`. */
@Controller()
export class TerminalPageController {
  @Public()
  @Get('m')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @ApiRoute({
    summary: 'The 警务通 unit terminal (HTML page, installable web app)',
    response: z.string(),
    mediaType: 'text/html',
  })
  index() {
    const page = join(terminalDist(), 'index.html');
    if (!existsSync(page))
      throw new NotFoundException('the terminal app is not built (node scripts/build.mjs)');
    return readFileSync(page, 'utf8');
  }
}
