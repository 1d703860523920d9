// Compiled tests only: `npm run build` first (npm test does).
module.exports = {
  spec: ['dist/test/**/*.test.js'],
  reporter: './test/reporter.cjs',
  timeout: 60000,
  recursive: true,
};
