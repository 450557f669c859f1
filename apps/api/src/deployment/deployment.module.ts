import { Module } from '@nestjs/common';
import { DeploymentModule } from '@ringcad/core';
import { DeploymentController } from './deployment.controller';

/** Hotspots and shift deployment plans. */
@Module({
  imports: [DeploymentModule],
  controllers: [DeploymentController],
})
export class DeploymentApiModule {}
