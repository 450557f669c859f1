import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import {
  checkInResultSchema,
  checkInSchema,
  clearEmergencySchema,
  emergencyListSchema,
  emergencyRaisedSchema,
  emergencyViewSchema,
  raiseEmergencySchema,
  terminalLinkSchema,
  unitRouteSchema,
} from '@ringcad/contracts';
import { SafetyService, parseInput, type Principal } from '@ringcad/core';
import { Access } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiRoute } from '../common/api-route';
import { uuidParam } from '../common/params';
import { RealtimeGateway } from '../realtime/realtime.gateway';

@Controller('api/v1')
export class SafetyController {
  constructor(
    private readonly safety: SafetyService,
    private readonly realtime: RealtimeGateway,
  ) {}

  @Access({ roles: ['dispatcher'], terminal: true, scope: 'unit:param:id' })
  @Post('units/:id/emergency')
  @ApiRoute({
    summary:
      "一键报警: an officer's emergency — alert to every console in scope, a P1 incident at the unit's position, the nearest units",
    description:
      'A repeated press while the emergency is active answers 200 with it (created: false) and makes nothing.',
    body: raiseEmergencySchema,
    response: emergencyRaisedSchema,
    errors: ['CONFLICT', 'OUT_OF_SCOPE'],
  })
  async raise(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.safety.raiseEmergency(id, parseInput(raiseEmergencySchema, body), by);
    res.status(r.created ? 201 : 200);
    return r;
  }

  @Access({ roles: ['dispatcher'], scope: 'unit:param:id' })
  @Post('units/:id/emergency/clear')
  @HttpCode(200)
  @ApiRoute({
    summary: "Clears a unit's active emergency (a dispatcher, with a reason)",
    body: clearEmergencySchema,
    response: emergencyViewSchema,
    errors: ['OUT_OF_SCOPE'],
  })
  clear(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.safety.clearEmergency(id, parseInput(clearEmergencySchema, body).reason, by);
  }

  @Access({ terminal: true, scope: 'filtered' })
  @Get('emergencies')
  @ApiRoute({
    summary: 'Active emergencies in scope (a terminal: its own)',
    response: emergencyListSchema,
  })
  async list(@CurrentPrincipal() by: Principal) {
    return { emergencies: await this.safety.listActive(by) };
  }

  @Access({ terminal: true, roles: [], scope: 'assignment:param:id' })
  @Post('assignments/:id/check-in')
  @HttpCode(200)
  @ApiRoute({
    summary:
      '报平安: the unit on scene answers the check-in prompt (the next prompt is armed afresh)',
    body: checkInSchema,
    response: checkInResultSchema,
    errors: ['ILLEGAL_TRANSITION'],
  })
  checkIn(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    return this.safety.checkIn(id, parseInput(checkInSchema, body), by);
  }

  @Access({ roles: ['dispatcher'], terminal: true, scope: 'assignment:param:id' })
  @Get('assignments/:id/route')
  @ApiRoute({
    summary: "The road route from the assigned unit's position to its task (the terminal's map)",
    response: unitRouteSchema,
    errors: ['CONFLICT'],
  })
  route(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.safety.routeOf(id, by);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('units/:id/terminal-link')
  @HttpCode(200)
  @ApiRoute({
    summary: "The unit's 警务通 sign-in link and its QR code (SVG); issues a new terminal token",
    description:
      "The token is in the link's fragment (#token=…), which browsers never send to a server. The unit's previous token stops working at once: its terminals get `terminal.revoked` and are disconnected, on every api instance.",
    response: terminalLinkSchema,
  })
  async terminalLink(
    @Param('id', uuidParam) id: string,
    @CurrentPrincipal() by: Principal,
    @Req() req: Request,
  ) {
    const issued = await this.safety.rotateTerminalToken(id, by);
    this.realtime.revokeTerminals(id);
    const url = `${req.protocol}://${req.get('host') ?? 'localhost'}/m/#token=${encodeURIComponent(issued.terminalToken)}`;
    const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { ...issued, url, qrSvg };
  }
}
