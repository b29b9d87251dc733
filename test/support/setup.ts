import './net-guard.mjs';
