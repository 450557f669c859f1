import { Body, Controller, Get, Put } from '@nestjs/common';
import { trainingSimulationRequestSchema, trainingSimulationViewSchema } from '@ringcad/contracts';
import { parseInput, TrainingService, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';

/** 训练模拟: the demo training simulator's switches (the simulator reads them as its dispatcher). */
@Controller('api/v1/training/simulation')
export class TrainingController {
  constructor(private readonly training: TrainingService) {}

  @Access({ scope: 'none' })
  @Get()
  @ApiRoute({
    summary: 'Whether the training simulator may dispatch for the dispatcher (off by default)',
    response: trainingSimulationViewSchema,
  })
  simulation() {
    return this.training.simulation();
  }

  // a city-wide switch: city-level dispatchers and commanders only
  @Access({ roles: ['dispatcher', 'commander'], scope: 'city' })
  @Put()
  @ApiRoute({
    summary: 'Switch the training simulator’s auto-dispatch (训练模拟: 自动派警) on or off',
    body: trainingSimulationRequestSchema,
    response: trainingSimulationViewSchema,
  })
  set(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.training.setSimulation(parseInput(trainingSimulationRequestSchema, body), by);
  }
}
