// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

class QsciScintilla;
class QLabel;

namespace quarry {

class SandboxHost;

/// The main window. For now: the SQL editor and the embedded sandbox's status; the schema
/// tree, results, jobs and connection parts arrive with the UI issue.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

private:
    QsciScintilla* editor_ = nullptr;
    QLabel* connection_ = nullptr;
    SandboxHost* sandbox_ = nullptr;
};

} // namespace quarry
