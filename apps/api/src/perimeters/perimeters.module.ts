import { Module } from '@nestjs/common';
import { PerimetersModule } from '@ringcad/core';
import { PerimetersController } from './perimeters.controller';

/** 环城封控圈 standing perimeters. */
@Module({
  imports: [PerimetersModule],
  controllers: [PerimetersController],
})
export class PerimetersApiModule {}
