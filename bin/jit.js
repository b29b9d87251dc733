#!/usr/bin/env node
import { runFromProcess } from '../dist/main.js';

await runFromProcess();
