import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RoadsModule } from '@ringcad/core';
import { HealthController } from './health.controller';
import { SystemController } from './system.controller';
import { OpenApiController } from './openapi.controller';
import { ConsolePageController } from './console-page.controller';

/** Health, system status, the OpenAPI document (every controller, via discovery) and the console page. */
@Module({
  imports: [DiscoveryModule, RoadsModule],
  controllers: [HealthController, SystemController, OpenApiController, ConsolePageController],
})
export class SystemApiModule {}
