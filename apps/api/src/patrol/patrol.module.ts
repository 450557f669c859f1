import { Module } from '@nestjs/common';
import { PatrolModule } from '@ringcad/core';
import { PatrolController } from './patrol.controller';

/** 见警率 and 巡逻方案 routes. */
@Module({
  imports: [PatrolModule],
  controllers: [PatrolController],
})
export class PatrolApiModule {}
