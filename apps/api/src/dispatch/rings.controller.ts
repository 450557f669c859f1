import { Controller, Get } from '@nestjs/common';
import { BUILTIN_SCHEMES } from '@ringcad/domain';
import { ApiRoute } from '../common/api-route';
import { ringSchemeViewSchema } from '@ringcad/contracts';
import { z } from 'zod';
import { Access } from '../auth/access';

@Controller('api/v1/rings')
export class RingsController {
  @Access({ scope: 'none' })
  @Get('schemes')
  @ApiRoute({
    summary: 'Ring schemes (处置圈): tiers in seconds',
    response: z.array(ringSchemeViewSchema).readonly(),
  })
  schemes() {
    return BUILTIN_SCHEMES;
  }
}
