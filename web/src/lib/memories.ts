// "On this day" memories shown today, loaded once per page view.
import { searchMemories, type MemoryResponseDto } from '@immich/sdk';

let today: Promise<MemoryResponseDto[]> | null = null;

export function memoriesToday(): Promise<MemoryResponseDto[]> {
  today ??= searchMemories({ $for: new Date().toISOString(), isTrashed: false }).then((list) =>
    list.filter((m) => m.assets.length > 0).sort((a, b) => b.memoryAt.localeCompare(a.memoryAt)),
  );
  return today;
}

export function memoryTitle(memory: MemoryResponseDto): string {
  const years = new Date().getUTCFullYear() - memory.data.year;
  return years === 1 ? '1 year ago' : `${years} years ago`;
}
