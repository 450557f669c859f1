import { maskName } from './privacy';

describe('maskName', () => {
  it.each([
    ['王小明', '王**'],
    ['张三', '张*'],
    ['李', '*'],
    ['John Smith', 'J*********'],
    ['  欧阳娜娜 ', '欧***'],
    ['𠀋𠀋𠀋', '𠀋**'], // astral characters count once and are never split into halves
    ['', ''],
    [null, null],
    [undefined, null],
  ])('%p → %p', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});
