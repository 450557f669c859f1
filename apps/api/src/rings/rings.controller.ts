import { Controller, Get } from '@nestjs/common';
import { BUILTIN_SCHEMES } from '@ringcad/domain';

@Controller('api/v1/rings')
export class RingsController {
  @Get('schemes')
  schemes() {
    return BUILTIN_SCHEMES;
  }
}
