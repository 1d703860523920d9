// Compiled tests only: `npm run build` first (npm test does).
module.exports = {
  spec: ['dist/test/**/*.test.js'],
  reporter: './test/reporter.cjs',
  timeout: 20000,
  recursive: true,
};
