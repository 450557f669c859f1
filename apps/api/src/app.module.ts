import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { CoreModule, type CoreOptions } from '@ringcad/core';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { LoginThrottle } from './auth/login-throttle';
import { ErrorFilter } from './common/error-filter';
import { OpenApiController } from './common/openapi.controller';
import { HealthController } from './health/health.controller';
import { IncidentsController } from './incidents/incidents.controller';
import { DeskController } from './incidents/desk.controller';
import { PlacesController } from './places/places.controller';
import { AlertsController } from './realtime/alerts.controller';
import { RealtimeGateway } from './realtime/realtime.gateway';
import { RingsController } from './rings/rings.controller';
import { UnitsController } from './units/units.controller';
import { ConsolePageController } from './console-page.controller';
import { RoadsController } from './roads/roads.controller';
import { CoverageController } from './roads/coverage.controller';
import { SystemController } from './system/system.controller';
import { AgenciesController } from './command/agencies.controller';
import { DefenseLevelsController } from './command/defense-levels.controller';
import { PlansController } from './command/plans.controller';
import { SealingController } from './command/sealing.controller';
import { ReportsController } from './reports/reports.controller';
import { ReplayController } from './replay/replay.controller';
import { MessagesApiModule } from './messages/messages.api-module';
import { SafetyApiModule } from './safety/safety.api-module';

@Module({})
export class ApiModule {
  static forRoot(core: CoreOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [CoreModule.forRoot(core), DiscoveryModule, MessagesApiModule, SafetyApiModule],
      controllers: [
        HealthController,
        AuthController,
        PlacesController,
        UnitsController,
        IncidentsController,
        DeskController,
        RingsController,
        AlertsController,
        RoadsController,
        CoverageController,
        SystemController,
        ReportsController,
        ReplayController,
        SealingController,
        PlansController,
        DefenseLevelsController,
        AgenciesController,
        ConsolePageController,
        OpenApiController,
      ],
      providers: [
        LoginThrottle,
        RealtimeGateway,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
