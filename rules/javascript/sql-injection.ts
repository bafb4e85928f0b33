import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Controller('users')
export class UsersController {
  constructor(private readonly db: DataSource) {}

  @Get()
  async find(@Query('name') name: string, @Query('limit') limit: number) {
    // ruleid: mergegate.javascript.sql-injection, mergegate.javascript.sql-string-building
    const byName = await this.db.query(`SELECT * FROM users WHERE name = '${name}'`);
    // ok: mergegate.javascript.sql-injection
    const safe = await this.db.query('SELECT * FROM users WHERE name = $1', [name]);
    // a number parameter is converted by NestJS: the taint rule stays quiet, the syntactic rule
    // cannot know the type
    // ruleid: mergegate.javascript.sql-string-building
    const page = await this.db.query(`SELECT * FROM users LIMIT ${limit}`);
    return { byName, safe, page };
  }

  @Post(':id/rename')
  async rename(@Param('id') id: string, @Body() body: { name: string }) {
    // ruleid: mergegate.javascript.sql-injection, mergegate.javascript.sql-string-building
    await this.db.query("UPDATE users SET name = '" + body.name + "' WHERE id = 1");
    // ok: mergegate.javascript.sql-injection
    return this.db.query('UPDATE users SET name = $1 WHERE id = $2', [body.name, id]);
  }
}
