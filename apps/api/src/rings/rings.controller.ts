import { Controller, Get } from '@nestjs/common';
import { BUILTIN_SCHEMES } from '@ringcad/domain';
import { Access } from '../auth/access';

@Controller('api/v1/rings')
export class RingsController {
  @Access({ scope: 'none' })
  @Get('schemes')
  schemes() {
    return BUILTIN_SCHEMES;
  }
}
