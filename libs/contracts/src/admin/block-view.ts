import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { BLOCK_SOURCES, BLOCK_TYPES, type BlockSource, type BlockType } from '../control-plane/block';
import { BlockDenialDto } from './block-denial.dto';

/** One block as the admin API shows it. */
export class BlockView {
  @IsUUID()
  id!: string;

  @IsIn(BLOCK_TYPES)
  type!: BlockType;

  @IsString()
  value!: string;

  @IsString()
  reason!: string;

  @IsIn(BLOCK_SOURCES)
  source!: BlockSource;

  @IsISO8601()
  createdAt!: string;

  /** The name of the API key that created it (`ADMIN_TOKEN` for the bootstrap token); for an automatic block, the enforcers' key. */
  @IsString()
  createdBy!: string;

  @IsISO8601()
  expiresAt!: string;

  /** An automatic block: the denials that caused it, oldest first. Absent for operator blocks. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BlockDenialDto)
  denials?: BlockDenialDto[];
}
