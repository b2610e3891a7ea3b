// A fresh Nest app with docs/clients/nest/erralert.filter.ts (copied beside this file by the
// test) installed by its one line; four routes fail as real apps do.
import 'reflect-metadata';
import {
  BadRequestException, Body, Controller, Get, HttpException, HttpStatus, Injectable, Module,
  NotFoundException, Param, PipeTransform, Post, Req,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { Request } from 'express';
import { ErralertFilter, erralertStats, reportError } from './erralert.filter.js';

/** What ValidationPipe with class-validator throws: a 400 whose message is an array. */
@Injectable()
class RequireName implements PipeTransform {
  transform(value: unknown): unknown {
    const body = (value ?? {}) as Record<string, unknown>;
    if (typeof body.name !== 'string' || body.name === '') {
      throw new BadRequestException(['name should not be empty', 'name must be a string']);
    }
    return value;
  }
}

function divide(a: number, b: number): number {
  if (b === 0) throw new Error('division by zero');
  return a / b;
}

@Controller()
class AppController {
  @Post('v1/users')
  create(@Body(new RequireName()) body: unknown): unknown {
    return body;
  }

  @Get('v1/users/:id/embeddings')
  embeddings(): never {
    throw new HttpException({ statusCode: 502, code: 'FEP-SEC-01001', message: 'open AI 연동 오류 : /embeddings',
                              detail: 'feign.FeignException$BadGateway: [502 Bad Gateway] during [POST]' },
                            HttpStatus.BAD_GATEWAY);
  }

  @Get('v1/accounts/:id')
  account(@Param('id') id: string): never {
    throw new NotFoundException(`No account ${id}`);
  }

  @Get('v1/crash')
  crash(): number {
    return divide(1, 0);
  }

  /** 300 reports in one go, as a failing endpoint under load; answers how long they took. */
  @Get('test/burst')
  burst(): { ms: number } {
    const req = { method: 'GET', path: '/v1/burst', query: { page: '1' }, body: undefined } as unknown as Request;
    const error = new HttpException('upstream timed out', HttpStatus.SERVICE_UNAVAILABLE);
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) reportError(error, req);
    return { ms: performance.now() - t0 };
  }

  @Get('test/stats')
  stats(@Req() _req: Request): { queued: number; dropped: number } {
    return erralertStats();
  }
}

@Module({ controllers: [AppController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.useGlobalFilters(new ErralertFilter(app.get(HttpAdapterHost).httpAdapter));
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address() as { port: number };
console.log(`listening ${address.port}`);
