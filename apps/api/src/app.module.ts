import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PlatformModule, type PlatformOptions } from '@ringcad/core';
import { AlertsApiModule } from './alerts/alerts.module';
import { AuthApiModule } from './auth/auth.module';
import { CommandApiModule } from './command/command.module';
import { ErrorFilter } from './common/error-filter';
import { CoverageApiModule } from './coverage/coverage.module';
import { DispatchApiModule } from './dispatch/dispatch.module';
import { FleetApiModule } from './fleet/fleet.module';
import { IncidentsApiModule } from './incidents/incidents.module';
import { RealtimeApiModule } from './realtime/realtime.module';
import { ReportsApiModule } from './reports/reports.module';
import { RoadsApiModule } from './roads/roads.module';
import { SystemApiModule } from './system/system.module';
import { MessagesApiModule } from './messages/messages.api-module';
import { SafetyApiModule } from './safety/safety.api-module';
import { ImportsApiModule } from './imports/imports.module';
import { TrainingApiModule } from './training/training.module';
import { PerimetersApiModule } from './perimeters/perimeters.module';
import { ExercisesApiModule } from './exercises/exercises.module';
import { PatrolApiModule } from './patrol/patrol.module';
import { DeploymentApiModule } from './deployment/deployment.module';

/** The api: the platform once, then one module per feature (each imports the libs/core features it uses). */
@Module({})
export class ApiModule {
  static forRoot(platform: PlatformOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        PlatformModule.forRoot(platform),
        SystemApiModule,
        AuthApiModule,
        RealtimeApiModule,
        IncidentsApiModule,
        DispatchApiModule,
        FleetApiModule,
        RoadsApiModule,
        CoverageApiModule,
        CommandApiModule,
        AlertsApiModule,
        ReportsApiModule,
        MessagesApiModule,
        SafetyApiModule,
        ImportsApiModule,
        TrainingApiModule,
        PerimetersApiModule,
        ExercisesApiModule,
        PatrolApiModule,
        DeploymentApiModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
